/**
 * SHA-256 of local files on worker threads, so that hashing a checkpoint's files uses every core
 * (the main thread stays free for I/O). Workers are created on first use and ended after a moment
 * without work, so an idle pool holds no threads and never keeps the process alive; the pool is
 * owned by whoever creates it (a LocalStore), not by the module.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';

// Plain CommonJS evaluated in the worker: no TypeScript loader needed there.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs/promises');
// Read buffers reused from file to file (a fresh 1 MiB buffer per read costs page faults and GC);
// one per file being hashed, as a thread may have several files in hand at once.
const free = [];
parentPort.on('message', async ({ id, file }) => {
  let handle;
  const buffer = free.pop() || Buffer.allocUnsafe(1 << 20);
  try {
    handle = await fs.open(file, 'r');
    const hash = createHash('sha256');
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
    parentPort.postMessage({ id, sha256: hash.digest('hex') });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err), code: err && err.code });
  } finally {
    free.push(buffer);
    if (handle) await handle.close().catch(() => {});
  }
});
`;

interface Pending {
  resolve(sha: string): void;
  reject(err: Error): void;
}

export class HashPool {
  private readonly size: number;
  private readonly workers: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly idleMs: number;

  /** `threads`: default the number of CPUs, at most 4. */
  constructor(threads?: number, idleMs = 1_000) {
    this.idleMs = idleMs;
    this.size = Math.max(1, threads ?? Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
  }

  private pick(): { worker: Worker; busy: number } {
    if (this.workers.length < this.size) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      const slot = { worker, busy: 0 };
      worker.on('message', (msg: { id: number; sha256?: string; error?: string; code?: string }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        slot.busy--;
        if (this.pending.size === 0) this.scheduleIdleClose();
        if (msg.sha256) p.resolve(msg.sha256);
        else p.reject(Object.assign(new Error(msg.error ?? 'hashing failed'), { code: msg.code }));
      });
      worker.on('error', (err) => {
        for (const [id, p] of this.pending) {
          this.pending.delete(id);
          p.reject(err);
        }
      });
      this.workers.push(slot);
      return slot;
    }
    return this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  private scheduleIdleClose(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.pending.size === 0) void this.close();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  hashFile(file: string): Promise<string> {
    clearTimeout(this.idleTimer);
    const slot = this.pick();
    const id = this.nextId++;
    slot.busy++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, file });
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    await Promise.all(this.workers.splice(0).map((w) => w.worker.terminate()));
  }
}
