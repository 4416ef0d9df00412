/**
 * Reading pipeline files safely: only regular files (never a FIFO, a device or a folder, which
 * would block or never end), at most LIMITS.fileBytes, in UTF-8. A sub-pipeline must also lie
 * inside the pipelines folder, checked on the real path (symbolic links resolved) before anything
 * is read, and a refused file's contents are never quoted.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';
import { PermanentError } from '../core/errors.js';
import { formatBytes, LIMITS } from './limits.js';
import type { Position } from './source.js';

/** Why a file could not be read; `at` is a position in that file (a bad byte), when there is one. */
export class PipelineReadError extends PermanentError {
  constructor(
    message: string,
    readonly at?: Position,
  ) {
    super(message);
  }
}

/** Whether `file` (absolute) is inside folder `root` (absolute), itself excluded. */
export function isInside(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * The text of `file`. With `root`, the file's real path must be inside the real path of `root`.
 * Throws PipelineReadError.
 */
export function readPipelineFile(file: string, root?: string): string {
  let real: string;
  try {
    real = realpathSync(file);
  } catch (err) {
    throw new PipelineReadError(reason(err));
  }
  if (root !== undefined) {
    let realRoot: string;
    try {
      realRoot = realpathSync(root);
    } catch {
      realRoot = path.resolve(root);
    }
    if (!isInside(real, realRoot)) {
      throw new PipelineReadError(`it is outside the pipelines folder ${realRoot}${real !== path.resolve(file) ? ` (it leads to ${real})` : ''}; a sub-pipeline must be a file in that folder`);
    }
  }
  checkRegular(lstatSync(real), real);
  // O_NONBLOCK: should the file be swapped for a FIFO after the check, opening it does not wait.
  const fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    checkRegular(stat, real);
    const bytes = Buffer.alloc(stat.size);
    let read = 0;
    while (read < stat.size) {
      const n = readSync(fd, bytes, read, stat.size - read, null);
      if (n === 0) break;
      read += n;
    }
    return decode(bytes.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}

function checkRegular(stat: Stats, file: string): void {
  if (stat.isDirectory()) throw new PipelineReadError(`${file} is a folder, not a pipeline file`);
  if (!stat.isFile()) throw new PipelineReadError(`${file} is not a regular file (a device, FIFO or socket); name a pipeline YAML file`);
  if (stat.size > LIMITS.fileBytes) {
    throw new PipelineReadError(`the file is ${formatBytes(stat.size)}; the limit is ${formatBytes(LIMITS.fileBytes)} per pipeline file: split it into sub-pipelines (pipeline:)`);
  }
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ELOOP') return 'too many symbolic links';
  return (err as Error)?.message ?? String(err);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text (a UTF-8 byte order mark dropped); UTF-16 and other bytes are refused at their position. */
export function decode(bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new PipelineReadError('the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8', { line: 1, column: 1 });
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const at = firstInvalid(bytes);
    const byte = bytes[at.offset] ?? 0;
    throw new PipelineReadError(`byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} is not UTF-8 (the file looks like Latin-1 or another 8-bit encoding); save the file as UTF-8`, at.position);
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const before = text.slice(0, nul);
    const line = before.split('\n').length;
    throw new PipelineReadError('a NUL byte: the file is binary, or UTF-16 without a byte order mark; save it as UTF-8 text', { line, column: nul - before.lastIndexOf('\n') });
  }
  return text;
}

/** Offset and line:column of the first byte that is not part of valid UTF-8 (or a NUL byte). */
function firstInvalid(bytes: Uint8Array): { offset: number; position: Position } {
  let line = 1;
  let column = 1;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    let ok = length > 0 && i + length <= bytes.length;
    for (let k = 1; ok && k < length; k++) ok = (bytes[i + k]! & 0xc0) === 0x80;
    if (ok && length > 1) {
      try {
        utf8.decode(bytes.subarray(i, i + length));
      } catch {
        ok = false;
      }
    }
    if (!ok) return { offset: i, position: { line, column } };
    if (b === 0x0a) {
      line++;
      column = 1;
    } else {
      column++;
    }
    i += length;
  }
  return { offset: Math.max(0, bytes.length - 1), position: { line, column } };
}
