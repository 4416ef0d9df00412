/**
 * The local half of the artifact bench: the local store's put and get of the checkpoint folder
 * (files layout: a kernel copy of each file while worker threads hash it) next to a plain `cp -r`.
 *
 * Warm: the source is in the page cache (it was just written, as a checkpoint is when it is
 * stored), three rounds of cp / put / cp / get, the best time of each side compared (medians
 * printed too). Cold: the files a step reads are
 * dropped from the page cache first (its own files only: `dd iflag=nocache`), one round. Every
 * step starts with as much page cache just freed as it will write (`freePages`) and after a `sync`,
 * and leaves its output unsynced, like `cp`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { getDirectory, putDirectory } from '../../store/directory.js';
import { HashPool } from '../../store/hash-pool.js';
import { LocalStore } from '../../store/local.js';
import { evict, freePages, load, median, printer, run, timed } from './measure.js';

export interface LocalFigures {
  /** sha256 of every file on the store's hashing threads, nothing copied: what any verified store pays. */
  hashOnly: number;
  warm: { copy: number; put: number; get: number };
  cold: { copy: number; put: number; get: number };
}

export async function runLocal(work: string, src: string, bytes: number, rounds = 3): Promise<LocalFigures> {
  const line = printer(bytes);
  const at = (name: string) => path.join(work, name);
  const drop = (name: string) => fs.rm(at(name), { recursive: true, force: true });
  const prepared = async <T>(fn: () => Promise<T>) => {
    await freePages(work, bytes);
    return timed(fn);
  };
  const copy = async (label: string) => {
    const c = await prepared(() => run('cp', ['-r', src, at('plain-copy')]));
    line(label, c.seconds);
    await drop('plain-copy');
    return c.seconds;
  };
  const warm = { copy: [] as number[], put: [] as number[], get: [] as number[] };
  console.log(`  warm page cache, ${rounds} rounds:`);
  for (let i = 0; i < rounds; i++) {
    await drop('store');
    const store = new LocalStore(at('store'));
    warm.copy.push(await copy('plain copy (cp -r)'));
    const put = await prepared(() => putDirectory(store, src));
    line('local store: put directory', put.seconds);
    warm.put.push(put.seconds);
    warm.copy.push(await copy('plain copy (cp -r)'));
    const get = await prepared(() => getDirectory(store, put.value.ref, at('restored')));
    line('local store: get directory (verified)', get.seconds);
    warm.get.push(get.seconds);
    await drop('restored');
  }
  // Best of each side (cp's own time swings most, up to 3x within a run here, and a median
  // against a slow cp flatters the store), medians printed beside it.
  const w = { copy: Math.min(...warm.copy), put: Math.min(...warm.put), get: Math.min(...warm.get) };
  const m = { copy: median(warm.copy), put: median(warm.put), get: median(warm.get) };
  console.log(`  warm, best of each: cp ${w.copy.toFixed(2)} s, put ${w.put.toFixed(2)} s (${(w.put / w.copy).toFixed(2)}x), get ${w.get.toFixed(2)} s (${(w.get / w.copy).toFixed(2)}x)`);
  console.log(`  warm, medians:      cp ${m.copy.toFixed(2)} s, put ${m.put.toFixed(2)} s (${(m.put / m.copy).toFixed(2)}x), get ${m.get.toFixed(2)} s (${(m.get / m.copy).toFixed(2)}x)   (load ${load()})`);
  // The floor: content addressing and verified reads hash every byte, which a copy does not.
  const pool = new HashPool();
  const files = (await fs.readdir(src, { withFileTypes: true, recursive: true })).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
  const hashOnly = await timed(() => Promise.all(files.map((f) => pool.hashFile(f))));
  await pool.close();
  line('sha256 of every file alone, no copy (the floor)', hashOnly.seconds);

  console.log('  cold page cache (the files read are dropped from it first), 1 round:');
  await drop('store');
  const store = new LocalStore(at('store'));
  await evict(src);
  const coldCopy = await copy('plain copy (cp -r), source cold');
  await evict(src);
  const put = await prepared(() => putDirectory(store, src));
  line('local store: put directory, source cold', put.seconds);
  await evict(at('store'));
  const get = await prepared(() => getDirectory(store, put.value.ref, at('restored')));
  line('local store: get directory (verified), store cold', get.seconds);
  await drop('restored');
  await drop('store');
  const c = { copy: coldCopy, put: put.seconds, get: get.seconds };
  console.log(`  cold: put ${(c.put / c.copy).toFixed(2)}x, get ${(c.get / c.copy).toFixed(2)}x a cold cp -r   (load ${load()})`);
  return { hashOnly: hashOnly.seconds, warm: w, cold: c };
}
