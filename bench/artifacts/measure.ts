/** Timing and printing helpers of the artifact bench. */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

/**
 * Times `fn` after a `sync`, so that no measurement pays for an earlier one's writeback. Nothing
 * measured syncs its own output (neither the stores nor `cp`), so each side leaves the same dirty
 * pages behind.
 */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  await run('sync');
  const start = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, value };
}

export function printer(bytes: number): (label: string, seconds: number) => void {
  return (label, seconds) =>
    console.log(`  ${label.padEnd(52)} ${seconds.toFixed(2).padStart(7)} s  ${`${(bytes / MiB / seconds).toFixed(0)} MiB/s`.padStart(10)}`);
}

export function load(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Drops a folder's files from the page cache (`dd iflag=nocache count=0`; clean pages only, so sync first). */
export async function evict(dir: string): Promise<void> {
  await run('sync');
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) await run('dd', [`if=${path.join(entry.parentPath ?? entry.path, entry.name)}`, 'iflag=nocache', 'count=0', 'status=none']);
  }
}

/**
 * Writes `bytes` to a scratch file and deletes it, so the next step finds that much page cache just
 * freed. On this virtual machine a step that takes fresh page-cache pages runs up to several times
 * slower than one that reuses freed ones (first touch of guest memory costs the host a fault), so
 * without this, whichever step follows a step that freed nothing looks slow: `cp -r` right after
 * a put measured 2.6-3.9 s against 0.7 s after a delete.
 */
export async function freePages(dir: string, bytes: number): Promise<void> {
  const scratch = path.join(dir, 'page-cache-scratch');
  await run('dd', ['if=/dev/zero', `of=${scratch}`, 'bs=4M', `count=${Math.ceil(bytes / (4 * MiB))}`, 'status=none']);
  await fs.rm(scratch, { force: true });
}
