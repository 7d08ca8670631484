/* A small .xlsx writer for the browse page's download: one sheet, ready to work in.
 *
 * An .xlsx file is a ZIP of a few XML parts (ECMA-376). The page must work offline and from
 * file://, with no build step for JavaScript, and the npm copy of SheetJS is an unmaintained
 * 2022 release with open advisories — so the parts a plain table needs are written here and
 * zipped by zip.js (deflated, dated). What makes the sheet ready to work in:
 * - column widths from the content (a CJK character counts double), long-text columns wrapped;
 * - a bold, frozen header row with an autofilter;
 * - page setup: landscape A4, fit to one page wide, the header row repeated on every page;
 * - links as real hyperlinks; empty cells left out rather than written as empty strings.
 * Text is always written as text (never a formula), whatever it starts with.
 */
(function () {
  "use strict";

  // Columns whose text is longer wrap at this width (in characters): the longest-text column
  // gets LONG_WIDTH, the others MAX_WIDTH, so the 14 columns print one page wide and legible.
  var MAX_WIDTH = 24, LONG_WIDTH = 44;
  var XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

  function xml(text) { return window.KBZip.xml(text); }

  function columnName(index) {
    var name = "";
    for (index += 1; index > 0; index = Math.floor((index - 1) / 26)) name = String.fromCharCode(65 + ((index - 1) % 26)) + name;
    return name;
  }

  /* Display width in Latin character widths: CJK and full-width characters count 2. */
  function displayWidth(text) {
    var width = 0;
    for (var i = 0; i < text.length; i++) {
      var code = text.charCodeAt(i);
      if (code >= 0xdc00 && code <= 0xdfff) continue; // second half of a surrogate pair
      width += (code >= 0x1100 && (code <= 0x115f || (code >= 0x2e80 && code <= 0xa4cf) || (code >= 0xac00 && code <= 0xd7a3) ||
        (code >= 0xf900 && code <= 0xfaff) || (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
        (code >= 0xffe0 && code <= 0xffe6) || (code >= 0xd800 && code <= 0xdbff) || code === 0x2014 || code === 0x2026 ||
        (code >= 0x2018 && code <= 0x201d))) ? 2 : 1;
    }
    return width;
  }

  function longestLine(text) {
    return String(text).split("\n").reduce(function (max, line) { return Math.max(max, displayWidth(line)); }, 0);
  }

  function empty(value) { return value === null || value === undefined || value === ""; }

  /* rows: arrays of strings/numbers, the first row the header. options.links: indexes of
   * columns holding web addresses (written as hyperlinks). Resolves to a Blob. */
  function workbook(rows, sheetName, options) {
    options = options || {};
    var links = options.links || [];
    var name = String(sheetName || "Sheet1").replace(/[\[\]:*?\/\\]/g, "_").slice(0, 31);
    var quoted = "'" + name.replace(/'/g, "''") + "'";
    var columns = rows.length ? rows[0].length : 0;
    var widths = [], wrap = [], widest = [], total = [];
    for (var c = 0; c < columns; c++) {
      widest.push(0);
      total.push(0);
      rows.forEach(function (row, r) {
        if (empty(row[c])) return;
        widest[c] = Math.max(widest[c], longestLine(row[c]));
        if (r) total[c] += displayWidth(String(row[c]));
      });
    }
    var longest = total.indexOf(Math.max.apply(null, total.concat([0])));
    for (c = 0; c < columns; c++) {
      var cap = c === longest ? LONG_WIDTH : MAX_WIDTH;
      wrap.push(widest[c] > cap && links.indexOf(c) < 0);
      widths.push(Math.max(6, Math.min(widest[c], cap)) + 2);
    }
    /* Row heights are written (15 pt a line), not left to the client: LibreOffice keeps one
     * line per row for wrapped text it did not lay out itself. */
    function lines(value, c) {
      if (empty(value) || !wrap[c]) return 1;
      return String(value).split("\n").reduce(function (n, line) {
        return n + Math.max(1, Math.ceil(displayWidth(line) / (widths[c] - 2)));
      }, 0);
    }
    var rels = [];
    var sheetRows = rows.map(function (row, r) {
      var height = Math.min(409, 15 * row.reduce(function (max, value, c) { return Math.max(max, lines(value, c)); }, 1));
      var cells = [];
      row.forEach(function (value, c) {
        if (empty(value)) return; // an empty cell is no cell
        var ref = columnName(c) + (r + 1);
        var style = r === 0 ? 1 : links.indexOf(c) >= 0 ? 3 : wrap[c] ? 2 : 4;
        var attrs = '<c r="' + ref + '" s="' + style + '"';
        if (typeof value === "number" && isFinite(value)) {
          cells.push(attrs + "><v>" + value + "</v></c>");
          return;
        }
        cells.push(attrs + ' t="inlineStr"><is><t xml:space="preserve">' + xml(value) + "</t></is></c>");
        if (r > 0 && links.indexOf(c) >= 0 && /^https?:\/\/|^file:\/\//i.test(String(value))) {
          rels.push({ ref: ref, target: String(value) });
        }
      });
      return '<row r="' + (r + 1) + '"' + (height > 15 ? ' ht="' + height + '" customHeight="1"' : "") + ">" + cells.join("") + "</row>";
    });
    var last = columnName(Math.max(columns, 1) - 1) + Math.max(rows.length, 1);
    var head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
    var cols = widths.map(function (w, i) {
      return '<col min="' + (i + 1) + '" max="' + (i + 1) + '" width="' + w + '" customWidth="1"/>';
    }).join("");
    var hyperlinks = rels.length ? "<hyperlinks>" + rels.map(function (link, i) {
      return '<hyperlink ref="' + link.ref + '" r:id="rId' + (i + 1) + '"/>';
    }).join("") + "</hyperlinks>" : "";
    var sheet = head + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
      '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:' + last + '"/>' +
      '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
      '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>' +
      '<sheetFormatPr defaultRowHeight="15"/><cols>' + cols + "</cols><sheetData>" + sheetRows.join("") + "</sheetData>" +
      '<autoFilter ref="A1:' + last + '"/>' + hyperlinks +
      '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>' +
      '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>' +
      "<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter></worksheet>";
    var sheetRels = head + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      rels.map(function (link, i) {
        return '<Relationship Id="rId' + (i + 1) + '" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" ' +
          'Target="' + xml(link.target) + '" TargetMode="External"/>';
      }).join("") + "</Relationships>";
    var range = quoted + "!$A$1:$" + columnName(Math.max(columns, 1) - 1) + "$" + Math.max(rows.length, 1);
    var files = [
      { name: "[Content_Types].xml", text: head + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>' },
      { name: "_rels/.rels", text: head + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>' },
      { name: "docProps/core.xml", text: head + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>' + xml(name) + '</dc:title><dc:creator>协商实践知识库</dc:creator><dc:language>zh-CN</dc:language><dcterms:created xsi:type="dcterms:W3CDTF">' + new Date().toISOString().slice(0, 19) + "Z</dcterms:created></cp:coreProperties>" },
      { name: "xl/workbook.xml", text: head + '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="' + xml(name) + '" sheetId="1" r:id="rId1"/></sheets><definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">' + xml(range) + '</definedName><definedName name="_xlnm.Print_Titles" localSheetId="0">' + xml(quoted) + "!$1:$1</definedName></definedNames></workbook>" },
      { name: "xl/_rels/workbook.xml.rels", text: head + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>' },
      // cellXfs: 0 default, 1 header (bold, shaded, wrapped), 2 long text (wrapped, top), 3 link, 4 text (top)
      { name: "xl/styles.xml", text: head + '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="3"><font><sz val="11"/><name val="等线"/><charset val="134"/></font><font><b/><sz val="11"/><name val="等线"/><charset val="134"/></font><font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="等线"/><charset val="134"/></font></fonts><fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFF2F2F2"/><bgColor indexed="64"/></patternFill></fill></fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf><xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment vertical="top"/></xf><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top"/></xf></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>' },
      { name: "xl/worksheets/sheet1.xml", text: sheet },
    ];
    if (rels.length) files.push({ name: "xl/worksheets/_rels/sheet1.xml.rels", text: sheetRels });
    return window.KBZip.zip(files, XLSX_TYPE);
  }

  window.KBXlsx = { workbook: workbook, displayWidth: displayWidth };
})();
