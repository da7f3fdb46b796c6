// For `npm run bench:ab -- --b-require bench/preload/pg-string-unpatched.js`: node-postgres's
// BufferReader#string as pg-protocol ships it, without patches/pg-protocol+1.16.1.patch (every
// text field through Buffer#toString), to measure the patch against the same build.
'use strict';
const { BufferReader } = require('pg-protocol/dist/buffer-reader');

BufferReader.prototype.string = function string(length) {
  const result = this.buffer.toString(this.encoding, this.offset, this.offset + length);
  this.offset += length;
  return result;
};
