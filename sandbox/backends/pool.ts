/**
 * A pool of supervisors. With `maxTasksPerWorker: Infinity` it is the warm pool (containers are
 * started once and serve task after task, each in a fresh process and working directory); with 1
 * it is "one fresh container per task" (each is destroyed after its task, a new one started for
 * the next). A worker that died, or reported leftovers after its cleanup, is destroyed, never reused.
 */
import type { SupervisorHandle } from './handle.js';
import { SandboxConfigError, SandboxUnavailableError } from '../errors.js';

export interface PoolOptions {
  /** Workers alive at once (and so tasks run at once). */
  size: number;
  create(): Promise<SupervisorHandle>;
  /** Tasks a worker runs before it is replaced. Default Infinity. */
  maxTasksPerWorker?: number;
}

export class SupervisorPool {
  private readonly idle: SupervisorHandle[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly all = new Set<SupervisorHandle>();
  private live = 0;
  private closed = false;
  private readonly maxTasks: number;

  constructor(private readonly options: PoolOptions) {
    if (!(options.size >= 1)) throw new SandboxConfigError(`pool size must be at least 1, got ${options.size}; fix REPAIRITY_SANDBOX_POOL_SIZE`);
    this.maxTasks = options.maxTasksPerWorker ?? Infinity;
  }

  get size(): number {
    return this.options.size;
  }

  /** Starts workers until the pool is full. */
  async warm(): Promise<void> {
    const starting: Promise<void>[] = [];
    while (this.live < this.options.size) {
      this.live += 1;
      starting.push(
        this.start().then(
          (w) => this.putBack(w),
          (err: unknown) => {
            this.live -= 1;
            throw err;
          },
        ),
      );
    }
    await Promise.all(starting);
  }

  async acquire(signal?: AbortSignal): Promise<SupervisorHandle> {
    for (;;) {
      if (this.closed) throw new SandboxUnavailableError('the sandbox pool is closed (the worker is shutting down)');
      signal?.throwIfAborted();
      const worker = this.idle.pop();
      if (worker) {
        if (worker.alive) return worker;
        await this.retire(worker);
        continue;
      }
      if (this.live < this.options.size) {
        this.live += 1;
        try {
          return await this.start();
        } catch (err) {
          this.live -= 1;
          this.wake();
          throw err;
        }
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }

  /** Gives a worker back; `reusable: false` (it failed, or left something behind) destroys it. */
  async release(worker: SupervisorHandle, reusable: boolean): Promise<void> {
    if (reusable && worker.alive && !this.closed && worker.tasksRun < this.maxTasks) {
      this.putBack(worker);
      return;
    }
    await this.retire(worker);
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.all];
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.destroy().catch(() => undefined)));
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async start(): Promise<SupervisorHandle> {
    const worker = await this.options.create();
    this.all.add(worker);
    if (this.closed) {
      await worker.destroy();
      throw new SandboxUnavailableError('the sandbox pool is closed (the worker is shutting down)');
    }
    return worker;
  }

  private putBack(worker: SupervisorHandle): void {
    this.idle.push(worker);
    this.wake();
  }

  private async retire(worker: SupervisorHandle): Promise<void> {
    this.all.delete(worker);
    try {
      await worker.destroy();
    } finally {
      this.live -= 1;
      this.wake();
    }
  }

  private wake(): void {
    this.waiters.shift()?.();
  }
}
