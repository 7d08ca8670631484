/* A small ZIP writer for the files the site makes in the browser (.xlsx in xlsx.js, .docx in
 * docx.js): both formats are ZIP packages of XML parts (ECMA-376 Open Packaging).
 *
 * Entries are deflated with the browser's CompressionStream("deflate-raw") where there is one
 * and stored otherwise (ZIP "stored" entries need only a CRC-32); every entry carries a real
 * DOS date and time. No network access, works from file://.
 */
(function () {
  "use strict";

  var CRC_TABLE = (function () {
    var table = new Uint32Array(256);
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    return table;
  })();

  function crc32(bytes) {
    var crc = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  }

  /* MS-DOS time and date fields (local time, two-second resolution, from 1980). */
  function dosTime(date) {
    var year = Math.max(1980, date.getFullYear());
    return {
      time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
      date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
    };
  }

  function canDeflate() {
    if (typeof CompressionStream === "undefined") return false;
    try { new CompressionStream("deflate-raw"); return true; } catch (e) { return false; }
  }

  function deflate(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw"));
    return new Response(stream).arrayBuffer().then(function (buffer) { return new Uint8Array(buffer); });
  }

  /* files: [{name, text}] (or {name, bytes}); date: a Date for every entry (default now).
   * Resolves to a Blob of the given MIME type. */
  function zip(files, type, date) {
    var encoder = new TextEncoder();
    var stamp = dosTime(date || new Date());
    var compress = canDeflate();
    return Promise.all(files.map(function (file) {
      var data = file.bytes || encoder.encode(file.text);
      if (!compress) return Promise.resolve({ file: file, data: data, packed: data, method: 0 });
      return deflate(data).then(function (packed) {
        return packed.length < data.length ? { file: file, data: data, packed: packed, method: 8 }
          : { file: file, data: data, packed: data, method: 0 };
      });
    })).then(function (entries) {
      var chunks = [], central = [], offset = 0;
      entries.forEach(function (e) {
        var name = encoder.encode(e.file.name);
        var crc = crc32(e.data);
        var local = new DataView(new ArrayBuffer(30));
        local.setUint32(0, 0x04034b50, true);
        local.setUint16(4, 20, true);
        local.setUint16(6, 0x0800, true); // UTF-8 names
        local.setUint16(8, e.method, true);
        local.setUint16(10, stamp.time, true);
        local.setUint16(12, stamp.date, true);
        local.setUint32(14, crc, true);
        local.setUint32(18, e.packed.length, true);
        local.setUint32(22, e.data.length, true);
        local.setUint16(26, name.length, true);
        chunks.push(local.buffer, name, e.packed);
        var entry = new DataView(new ArrayBuffer(46));
        entry.setUint32(0, 0x02014b50, true);
        entry.setUint16(4, 20, true);
        entry.setUint16(6, 20, true);
        entry.setUint16(8, 0x0800, true);
        entry.setUint16(10, e.method, true);
        entry.setUint16(12, stamp.time, true);
        entry.setUint16(14, stamp.date, true);
        entry.setUint32(16, crc, true);
        entry.setUint32(20, e.packed.length, true);
        entry.setUint32(24, e.data.length, true);
        entry.setUint16(28, name.length, true);
        entry.setUint32(42, offset, true);
        central.push(entry.buffer, name);
        offset += 30 + name.length + e.packed.length;
      });
      var centralSize = central.reduce(function (sum, part) { return sum + part.byteLength; }, 0);
      var end = new DataView(new ArrayBuffer(22));
      end.setUint32(0, 0x06054b50, true);
      end.setUint16(8, entries.length, true);
      end.setUint16(10, entries.length, true);
      end.setUint32(12, centralSize, true);
      end.setUint32(16, offset, true);
      return new Blob(chunks.concat(central, [end.buffer]), { type: type || "application/zip" });
    });
  }

  /* XML text: characters XML 1.0 refuses are dropped, markup characters escaped. */
  function xml(text) {
    return String(text === null || text === undefined ? "" : text)
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(^|[^\ud800-\udbff])[\udc00-\udfff]/g, "$1")
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  window.KBZip = { zip: zip, crc32: crc32, xml: xml };
})();
