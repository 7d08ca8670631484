/* Word handouts made in the browser: a practice (practice pages) or a comparison of several
 * (the compare view), from the data the site already has — explore/data/practices.js and the
 * detail shards — so no file per practice has to be built.
 *
 * This is generator/wordml.py and export_docx.practices_body in JavaScript, kept line for line
 * alike: the same headings (numbered 一、（一）1.), 目录, tables and typography. The package's
 * fixed parts (styles, numbering, settings, footer, theme) come from explore/data/docx-base.js,
 * written by the build from the python-docx code, so only document.xml's body, the core
 * properties and the zip are made here. A browser test compares the result with `kb export`.
 */
(function () {
  "use strict";

  var TEXT_WIDTH = 11906 - 2 * 1361;
  var COURSE_HEADINGS = "901", PRACTICE_HEADINGS = "902";
  var DIGITS = "零一二三四五六七八九";
  var CJK = /[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026\u00b7\u3000-\u303f]/;
  var GENERATOR = "协商实践知识库";
  var DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

  function esc(text) { return window.KBZip.xml(text); }

  function chineseNumber(n) {
    if (n <= 0 || n >= 100) return String(n);
    var tens = Math.floor(n / 10), ones = n % 10;
    var head = tens === 0 ? "" : (tens === 1 ? "十" : DIGITS[tens] + "十");
    return head + (ones ? DIGITS[ones] : "");
  }

  function comparisonWidths(columns) {
    var label = 1134, share = Math.floor((TEXT_WIDTH - label) / columns), widths = [label];
    for (var i = 0; i < columns; i++) widths.push(share);
    widths[widths.length - 1] += TEXT_WIDTH - sum(widths);
    return widths;
  }

  function sum(list) { return list.reduce(function (a, b) { return a + b; }, 0); }

  function run(text, bold) {
    var props = (CJK.test(text) ? '<w:rFonts w:hint="eastAsia"/>' : "") + (bold ? "<w:b/><w:bCs/>" : "");
    return "<w:r>" + (props ? "<w:rPr>" + props + "</w:rPr>" : "") + '<w:t xml:space="preserve">' + esc(text) + "</w:t></w:r>";
  }

  /* A string, or a list of strings and [text, bold] pairs. */
  function runs(parts) {
    if (typeof parts === "string") return parts ? run(parts) : "";
    return parts.map(function (part) {
      if (typeof part === "string") return part ? run(part) : "";
      return part[0] ? run(part[0], part[1]) : "";
    }).join("");
  }

  function ppr(style, o) {
    o = o || {};
    var out = "";
    if (style) out += '<w:pStyle w:val="' + style + '"/>';
    if (o.keepNext) out += "<w:keepNext/>";
    if (o.pageBreak) out += "<w:pageBreakBefore/>";
    if (o.num) out += '<w:numPr><w:ilvl w:val="' + o.num[1] + '"/><w:numId w:val="' + o.num[0] + '"/></w:numPr>';
    if (o.tabs) out += o.tabs;
    if (o.after !== undefined) out += '<w:spacing w:before="0" w:after="' + o.after + '"/>';
    if (o.indent) out += '<w:ind w:left="' + o.indent[0] + '" w:hanging="' + o.indent[1] + '"/>';
    if (o.align) out += '<w:jc w:val="' + o.align + '"/>';
    return out ? "<w:pPr>" + out + "</w:pPr>" : "";
  }

  function paragraph(content, style, o) { return "<w:p>" + ppr(style, o) + runs(content) + "</w:p>"; }

  function cell(width, items, bold, fill) {
    var shade = fill ? '<w:shd w:val="clear" w:color="auto" w:fill="' + fill + '"/>' : "";
    var body = "";
    (items.length ? items : ["—"]).forEach(function (item) {
      var content = Array.isArray(item) ? [[item[0] + "：", true], item[1]] : [[item, !!bold]];
      body += "<w:p>" + ppr(null, { after: 40 }) + runs(content) + "</w:p>";
    });
    return '<w:tc><w:tcPr><w:tcW w:w="' + width + '" w:type="dxa"/>' + shade + "</w:tcPr>" + body + "</w:tc>";
  }

  function table(widths, header, rows, labelColumn) {
    var grid = widths.map(function (w) { return '<w:gridCol w:w="' + w + '"/>'; }).join("");
    var out = '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="' + sum(widths) + '" w:type="dxa"/>' +
      '<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" ' +
      'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>' + grid + "</w:tblGrid>";
    out += "<w:tr><w:trPr><w:tblHeader/></w:trPr>";
    out += header.map(function (h, i) { return cell(widths[i], [h], true, "F2F2F2"); }).join("") + "</w:tr>";
    rows.forEach(function (row) {
      out += "<w:tr>" + row.map(function (items, i) { return cell(widths[i], items, labelColumn && i === 0); }).join("") + "</w:tr>";
    });
    return out + "</w:tbl>";
  }

  function Body(kind) {
    this.kind = kind;
    this.chunks = [];
    this.tocAt = null;
    this.entries = [];
    this.counters = [0, 0, 0, 0];
  }

  Body.prototype.add = function (xml) { this.chunks.push(xml); };

  Body.prototype.number = function (level, numbered) {
    if (!numbered) return "";
    this.counters[level - 1] += 1;
    for (var i = level; i < this.counters.length; i++) this.counters[i] = 0;
    var n = this.counters[level - 1];
    var depth = this.kind === "course" ? level - 1 : level;
    if (depth === 0) return "";
    if (depth === 1) return chineseNumber(n) + "、";
    if (depth === 2) return "（" + chineseNumber(n) + "）";
    return n + ".";
  };

  Body.prototype.heading = function (level, text, numbered, pageBreak) {
    if (numbered === undefined) numbered = true;
    var number = this.number(level, numbered);
    var mark = "_Toc" + (this.entries.length + 1);
    this.entries.push([level, number + text, mark]);
    var numId = this.kind === "course" ? COURSE_HEADINGS : PRACTICE_HEADINGS;
    var numbering = numbered ? [numId, level - 1] : ["0", 0];
    var bid = String(this.entries.length);
    this.add("<w:p>" + ppr("Heading" + level, { pageBreak: pageBreak, num: numbering }) +
      '<w:bookmarkStart w:id="' + bid + '" w:name="' + mark + '"/>' + run(text) + '<w:bookmarkEnd w:id="' + bid + '"/></w:p>');
  };

  Body.prototype.para = function (content, style, o) { this.add(paragraph(content, style, o)); };

  Body.prototype.labelled = function (pairs, o) {
    var content = [];
    pairs.forEach(function (pair) {
      if (!pair[1]) return;
      if (content.length) content.push("　");
      content.push([pair[0] + "：", true], pair[1]);
    });
    this.para(content, null, o);
  };

  Body.prototype.bullet = function (content) { this.para(content, "ListBullet"); };

  Body.prototype.toc = function () {
    this.add(paragraph("目录", "TOCHeading"));
    this.tocAt = this.chunks.length;
    this.add("");
  };

  Body.prototype.tocXml = function () {
    var entries = this.entries.filter(function (e) { return e[0] <= 3; });
    var out = "";
    entries.forEach(function (e, i) {
      out += "<w:p>" + ppr("TOC" + e[0]);
      if (i === 0) {
        out += '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">' +
          ' TOC \\o "1-3" \\h \\z \\u </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>';
      }
      out += '<w:hyperlink w:anchor="' + e[2] + '" w:history="1">' + run(e[1]) + "</w:hyperlink>";
      if (i === entries.length - 1) out += '<w:r><w:fldChar w:fldCharType="end"/></w:r>';
      out += "</w:p>";
    });
    return out;
  };

  Body.prototype.xml = function () {
    var chunks = this.chunks.slice();
    if (this.tocAt !== null) chunks[this.tocAt] = this.tocXml();
    return chunks.join("");
  };

  /* --- what a handout says: export_docx.practice_section, comparison_section, practices_body --- */

  function Refs() { this.numbers = new Map(); this.cites = []; }
  Refs.prototype.add = function (sources) {
    var self = this;
    sources.forEach(function (s) {
      if (!self.numbers.has(s.url)) { self.numbers.set(s.url, self.numbers.size + 1); self.cites.push(s.cite); }
    });
  };
  Refs.prototype.mark = function (s) { return "[" + this.numbers.get(s.url) + "] " + s.name; };

  function practiceSection(body, v, level, refs, base) {
    body.heading(level, v.name);
    body.labelled([["组织", v.org], ["地区", v.region], ["层级", v.level], ["时间", v.when]]);
    if (v.aliases.length) body.labelled([["又称", v.aliases.join("、")]]);
    v.summary.forEach(function (text) { body.para(text); });
    var sub = level + 1;
    if (v.components.length) {
      body.heading(sub, "组成部分");
      v.components.forEach(function (c) { body.bullet([[c[0] + "：", true], c[1]]); });
    }
    if (v.steps.length) {
      body.heading(sub, "运行步骤");
      body.add(table(base.stepWidths, ["环节", "步骤", "做法"], v.steps.map(function (s) { return [[s[0]], [s[1]], [s[2]]]; })));
    }
    if (v.outcomes.length) {
      body.heading(sub, "成效");
      v.outcomes.forEach(function (o) { body.bullet(o[0] + (o[1].length ? "（原文数字：" + o[1].join("、") + "）" : "")); });
    }
    refs.add(v.sources);
    body.labelled([["出处", v.sources.map(function (s) { return refs.mark(s); }).join("；")]]);
  }

  function comparisonSection(body, views, refs, base) {
    var stages = base.stages;
    var covered = stages.filter(function (s) {
      return views.some(function (v) { return v.steps.some(function (step) { return step[0] === s; }); });
    });
    for (var start = 0; start < views.length; start += base.maxColumns) {
      var columns = views.slice(start, start + base.maxColumns);
      columns.forEach(function (v) { refs.add(v.sources); });
      var rows = [["组织"].concat(columns.map(function (v) { return v.org ? [v.org] : []; })),
        ["地区"].concat(columns.map(function (v) { return [v.place]; }))];
      covered.forEach(function (stage) {
        rows.push([stage].concat(columns.map(function (v) {
          return v.steps.filter(function (s) { return s[0] === stage; }).map(function (s) { return [s[1], s[2]]; });
        })));
      });
      rows.push(["组成部分"].concat(columns.map(function (v) { return v.components.map(function (c) { return [c[0], c[1]]; }); })));
      rows.push(["成效"].concat(columns.map(function (v) { return v.outcomes.map(function (o) { return o[0]; }); })));
      rows.push(["出处"].concat(columns.map(function (v) { return v.sources.map(function (s) { return refs.mark(s); }); })));
      rows = rows.map(function (row) { return [[row[0]]].concat(row.slice(1)); });
      body.add(table(comparisonWidths(columns.length), ["对比项"].concat(columns.map(function (v) { return v.name; })), rows, true));
      body.para("");
    }
    var missing = stages.filter(function (s) { return covered.indexOf(s) < 0; });
    if (missing.length) body.para("以上实践均未写明的环节：" + missing.join("、") + "。");
  }

  function referenceList(body, refs, numbered) {
    if (!refs.cites.length) return;
    body.heading(1, "参考文献", numbered);
    refs.cites.forEach(function (cite, i) { body.para("[" + (i + 1) + "] " + cite, null, { indent: [510, 510] }); });
    body.para("著录格式依照 GB/T 7714—2015《信息与文献 参考文献著录规则》；没有网址的文献按其类型著录，不标 [EB/OL]。");
  }

  function practicesBody(views, day, base) {
    var body = new Body("practices");
    var names = views.map(function (v) { return v.name; }).join("、");
    var title = views.length === 1 ? views[0].name : "协商实践资料";
    var subject = views.length === 1 ? "协商实践资料" : names;
    body.para(title, "Title");
    body.para(subject, "Subtitle");
    body.labelled([["收录", views.length + " 项实践"], ["数据截至", day], ["来源", GENERATOR]]);
    body.toc();
    var refs = new Refs();
    views.forEach(function (v) { refs.add(v.sources); });
    views.forEach(function (v) { practiceSection(body, v, 1, refs, base); });
    if (views.length >= 2) {
      body.heading(1, names.length <= 40 ? "对比：" + names : "对比");
      comparisonSection(body, views, refs, base);
    }
    referenceList(body, refs, false);
    return { body: body, title: title, subject: subject };
  }

  function coreXml(title, subject, day) {
    var stamp = (day || "2026-01-01") + "T00:00:00Z";
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.' +
      'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
      'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" ' +
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      "<dc:title>" + esc(title) + "</dc:title><dc:subject>" + esc(subject) + "</dc:subject><dc:creator>" + GENERATOR + "</dc:creator>" +
      "<cp:keywords>" + GENERATOR + "</cp:keywords><dc:description>" + esc(GENERATOR + "；数据截至 " + day) + "</dc:description>" +
      "<cp:lastModifiedBy>" + GENERATOR + "</cp:lastModifiedBy><cp:revision>1</cp:revision><dc:language>zh-CN</dc:language>" +
      '<dcterms:created xsi:type="dcterms:W3CDTF">' + stamp + "</dcterms:created>" +
      '<dcterms:modified xsi:type="dcterms:W3CDTF">' + stamp + "</dcterms:modified></cp:coreProperties>";
  }

  /* The newest "added" date of all practices: the data date, as the build computes it. */
  function dataDate(practices) {
    return practices.reduce(function (max, p) { return p.added > max ? p.added : max; }, "");
  }

  /* rows: entries of KB_PRACTICES.practices; details: their KB_DETAIL entries. Resolves to
   * {blob, filename}. */
  function practicesDocx(rows, details, allPractices) {
    var base = window.KB_DOCX_BASE;
    var views = rows.map(function (row, i) {
      var v = {};
      Object.keys(row).forEach(function (k) { v[k] = row[k]; });
      Object.keys(details[i]).forEach(function (k) { v[k] = details[i][k]; });
      return v;
    });
    var day = dataDate(allPractices);
    var made = practicesBody(views, day, base);
    var files = [];
    Object.keys(base.parts).forEach(function (name) { files.push({ name: name, text: base.parts[name] }); });
    files.push({ name: "word/document.xml", text: base.head + made.body.xml() + base.sectPr + "</w:body></w:document>" });
    files.push({ name: "docProps/core.xml", text: coreXml(made.title, made.subject, day) });
    files.sort(function (a, b) {
      if (a.name === "[Content_Types].xml") return -1;
      if (b.name === "[Content_Types].xml") return 1;
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
    var parts = day.split("-").map(Number);
    var date = day ? new Date(parts[0], parts[1] - 1, parts[2]) : new Date();
    return window.KBZip.zip(files, DOCX_TYPE, date).then(function (blob) {
      return { blob: blob, filename: safeFilename(made.title) + ".docx" };
    });
  }

  /* export_docx.safe_filename: no separators, control or invisible characters, leading dots
   * or Windows device names; bounded length. */
  function safeFilename(name) {
    var text = String(name).normalize("NFC")
      .replace(/[\u0000-\u001f\u007f-\u009f\/\\:*?"<>|\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, "_")
      .replace(/\s+/g, " ").replace(/^[ ._]+|[ ._]+$/g, "").replace(/\.{2,}/g, ".");
    if (!text) text = "讲义";
    if (/^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i.test(text)) text = "_" + text;
    while (new TextEncoder().encode(text).length > 200) text = Array.from(text).slice(0, -1).join("");
    return text.replace(/[ .]+$/, "") || "讲义";
  }

  /* Load what a handout of these practice ids needs (all <script> files: works from file://),
   * make it and download it. */
  function download(ids) {
    var KB = window.KB, root = KB.siteBase();
    var data = new URL("explore/data/practices.js", root).href;
    var scripts = [new URL("assets/kb/zip.js", root).href, new URL("explore/data/docx-base.js", root).href, data];
    return Promise.all(scripts.map(KB.loadScript)).then(function () {
      var byId = new Map();
      window.KB_PRACTICES.practices.forEach(function (p) { byId.set(p.id, p); });
      var rows = ids.filter(function (id) { return byId.has(id); }).map(function (id) { return byId.get(id); });
      if (!rows.length) throw new Error("找不到所选实践");
      var shards = [];
      rows.forEach(function (r) {
        var href = new URL(r.detail, root).href;
        if (shards.indexOf(href) < 0) shards.push(href);
      });
      return Promise.all(shards.map(KB.loadScript)).then(function () {
        var details = rows.map(function (r) {
          var all = window.KB_DETAIL || {};
          return Object.prototype.hasOwnProperty.call(all, r.id) ? all[r.id] : null;
        });
        if (details.some(function (d) { return !d; })) throw new Error("实践的详细数据缺失");
        return practicesDocx(rows, details, window.KB_PRACTICES.practices);
      });
    }).then(function (made) {
      KB.download(made.filename, made.blob);
      return made;
    });
  }

  window.KBDocx = { download: download, practicesDocx: practicesDocx, safeFilename: safeFilename };
})();
