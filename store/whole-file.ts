/**
 * Whole-file reads and writes through fs's callback API. fs/promises makes a FileHandle for each
 * (a transferable object tracked until closed), which costs the event loop more than the small
 * file's I/O: a forEach reads and writes a memo or cache entry per item.
 */
import fs from 'node:fs';

export function readWholeFile(file: string, flag?: number): Promise<Buffer> {
  // Numeric open flags work here as in fs/promises; @types/node declares only the string ones.
  const options = flag === undefined ? {} : { flag: flag as unknown as string };
  return new Promise((resolve, reject) => {
    fs.readFile(file, options, (err, data) => (err ? reject(err) : resolve(data)));
  });
}

export function writeWholeFile(file: string, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.writeFile(file, data, (err) => (err ? reject(err) : resolve()));
  });
}
