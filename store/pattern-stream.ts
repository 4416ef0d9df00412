import { Readable } from 'node:stream';

/**
 * A deterministic stream of `total` bytes in `chunk`-byte pieces, never held whole: a pseudo-random
 * block (from `seed`) repeated, with each piece's index stamped into it, so pieces differ and a
 * misplaced or repeated piece changes the hash. Fast enough (GB/s) not to be what a test measures.
 */
export function patternStream(total: number, chunk = 1 << 20, seed = 1): Readable {
  const block = Buffer.allocUnsafe(chunk);
  let x = seed >>> 0;
  for (let i = 0; i + 4 <= chunk; i += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    block.writeUInt32LE(x, i);
  }
  let sent = 0;
  let index = 0;
  return new Readable({
    highWaterMark: chunk,
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(chunk, total - sent);
      const buf = Buffer.allocUnsafe(n);
      block.copy(buf, 0, 0, n);
      for (let at = 0; at + 8 <= n; at += 65536) buf.writeDoubleLE(index * 1e6 + at, at);
      index++;
      sent += n;
      this.push(buf);
    },
  });
}
