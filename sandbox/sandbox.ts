/**
 * The sandbox: judges tasks in isolated containers and returns verdicts.
 *
 *   const sandbox = await createSandbox({ docker, poolSize: 4 });
 *   const verdict = await sandbox.run(task, { signal });
 *   await sandbox.close();
 *
 * Backends: `docker-pool` (warm containers, default), `docker-fresh` (a new container per task),
 * `UNSANDBOXED-host` (no isolation: development only; opt-in by name).
 */
import type Docker from 'dockerode';
import { SandboxCancelledError, SandboxConfigError, SandboxUnavailableError } from './errors.js';
import { ContainerLostError, SupervisedContainer } from './docker/container.js';
import { assertDockerReachable } from './docker/client.js';
import { sandboxLabels } from './docker/labels.js';
import { imageExists } from './images/build.js';
import { defaultImageTags, type ImageFamily } from './images/recipe.js';
import { judgeResponse, lostVerdict, prepareTask } from './formats/index.js';
import { resolveSandboxOptions, type ResolvedSandboxOptions, type SandboxOptions } from './options.js';
import { SupervisorPool } from './backends/pool.js';
import { HostSupervisor, UNSANDBOXED_WARNING } from './backends/unsandboxed-host.js';
import { SweBenchEvaluator } from './swebench/evaluate.js';
import { parseInstance } from './swebench/instance.js';
import type { SweBenchSettings } from './swebench/settings.js';
import { verdictOf } from './swebench/verdict.js';
import type { SandboxTask, SweBenchTask, Verdict } from './types.js';
import path from 'node:path';

export interface CreateSandboxOptions extends SandboxOptions {
  /** Required by the Docker backends. */
  docker?: Docker;
  /** Where warnings go (the UNSANDBOXED warning, retired containers). Default: stderr. */
  warn?: (message: string) => void;
  /** How SWE-bench tasks are graded (tool venvs, repositories); without it they are refused. */
  swebench?: SweBenchSettings;
}

export interface RunOptions {
  /** Aborting removes the task's container at once; the call rejects with SandboxCancelledError. */
  signal?: AbortSignal;
}

export interface Sandbox {
  readonly options: ResolvedSandboxOptions;
  /** Tasks that may run at once (pool size or concurrency). */
  readonly parallelism: number;
  run(task: SandboxTask, options?: RunOptions): Promise<Verdict>;
  /** Starts the warm containers of an image family now rather than on first use. */
  warm(family?: ImageFamily): Promise<void>;
  close(): Promise<void>;
}

export async function createSandbox(options: CreateSandboxOptions = {}): Promise<Sandbox> {
  const resolved = resolveSandboxOptions(options, defaultImageTags());
  const warn = options.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  if (resolved.backend === 'UNSANDBOXED-host') {
    warn(UNSANDBOXED_WARNING);
  } else if (resolved.backend === 'docker-pool' || resolved.backend === 'docker-fresh') {
    if (!options.docker) throw new SandboxConfigError('the Docker sandbox backends need a Docker client');
    await assertDockerReachable(options.docker);
  } else {
    throw new SandboxConfigError(`unknown sandbox backend "${String(resolved.backend)}": use docker-pool, docker-fresh or UNSANDBOXED-host`);
  }
  return new SandboxImpl(resolved, options.docker, warn, options.swebench);
}

class SandboxImpl implements Sandbox {
  private readonly pools = new Map<ImageFamily, SupervisorPool>();
  private readonly checkedImages = new Map<ImageFamily, Promise<void>>();
  private requests = 0;
  private swebench: SweBenchEvaluator | undefined;
  readonly parallelism: number;

  constructor(
    readonly options: ResolvedSandboxOptions,
    private readonly docker: Docker | undefined,
    private readonly warn: (message: string) => void,
    private readonly sweBenchSettings: SweBenchSettings | undefined,
  ) {
    this.parallelism = options.backend === 'docker-pool' ? options.poolSize : options.concurrency;
  }

  async warm(family: ImageFamily = 'python'): Promise<void> {
    await this.poolFor(family).warm();
  }

  async run(task: SandboxTask, runOptions: RunOptions = {}): Promise<Verdict> {
    const { signal } = runOptions;
    if (task.format === 'swebench') return this.runSweBench(task);
    const prepared = prepareTask(task);
    const timeoutMs = task.timeoutMs ?? Math.max(prepared.defaultTimeoutMs ?? 0, this.options.timeoutMs);
    const pool = this.poolFor(prepared.family);
    await this.checkImage(prepared.family);
    const cancelled = () => new SandboxCancelledError(`sandbox task${task.id ? ` ${task.id}` : ''} was cancelled; its container was removed`);
    let worker;
    try {
      worker = await pool.acquire(signal);
    } catch (err) {
      if (signal?.aborted) throw cancelled();
      throw err;
    }
    const started = Date.now();
    this.requests += 1;
    try {
      const response = await worker.run(
        { ...prepared.request, id: `${this.requests}`, timeoutMs, outputLimit: this.options.outputLimitBytes },
        signal ? { signal } : {},
      );
      const clean = response.leftovers.length === 0;
      if (!clean) this.warn(`sandbox: ${worker.id.slice(0, 12)} retired: task ${task.id ?? ''} left ${response.leftovers.slice(0, 5).join(', ')}`);
      await pool.release(worker, clean);
      return judgeResponse(task, response, this.options.backend, timeoutMs);
    } catch (err) {
      await pool.release(worker, false).catch(() => undefined);
      if (signal?.aborted) throw cancelled();
      if (err instanceof ContainerLostError) {
        if (this.docker) await assertDockerReachable(this.docker);
        return lostVerdict(task, err.message, Date.now() - started, this.options.backend);
      }
      throw err;
    }
  }

  /** SWE-bench instances run in their own images (sandbox/swebench/), one container each. */
  private async runSweBench(task: SweBenchTask): Promise<Verdict> {
    if (!this.docker) throw new SandboxConfigError('SWE-bench tasks need a Docker backend (docker-pool or docker-fresh)');
    const instance = parseInstance(task.instance, `SWE-bench task ${task.id ?? ''}`.trim());
    if (!this.swebench) {
      const settings = this.sweBenchSettings;
      if (!settings) throw new SandboxConfigError('this sandbox was created without SWE-bench settings (CreateSandboxOptions.swebench), so it cannot grade SWE-bench tasks');
      this.swebench = new SweBenchEvaluator({ docker: this.docker, settings, logDir: path.join(settings.cacheDir, 'swebench', 'logs'), log: this.warn });
    }
    const result = await this.swebench.evaluate(instance, { instance_id: instance.instance_id, model_name_or_path: 'repairity', model_patch: task.patch });
    return verdictOf(result, task.id);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }

  private poolFor(family: ImageFamily): SupervisorPool {
    let pool = this.pools.get(family);
    if (pool) return pool;
    const { backend } = this.options;
    const image = this.options.images[family];
    if (backend === 'UNSANDBOXED-host') {
      pool = new SupervisorPool({ size: this.options.concurrency, create: () => HostSupervisor.start() });
    } else {
      const docker = this.docker!;
      const fresh = backend === 'docker-fresh';
      pool = new SupervisorPool({
        size: fresh ? this.options.concurrency : this.options.poolSize,
        maxTasksPerWorker: fresh ? 1 : Infinity,
        create: async () => {
          try {
            return await SupervisedContainer.start({ docker, image, limits: this.options.limits, labels: sandboxLabels(fresh ? 'fresh' : 'pool', this.options.labels) });
          } catch (err) {
            await assertDockerReachable(docker);
            throw err;
          }
        },
      });
    }
    this.pools.set(family, pool);
    return pool;
  }

  private checkImage(family: ImageFamily): Promise<void> {
    if (this.options.backend === 'UNSANDBOXED-host') return Promise.resolve();
    let check = this.checkedImages.get(family);
    if (!check) {
      const image = this.options.images[family];
      check = imageExists(this.docker!, image).then((found) => {
        if (!found) {
          throw new SandboxConfigError(
            `sandbox image ${image} is not in Docker; build it with \`repairity images build ${family}\` (or \`make sandbox-images\`), or name another image`,
          );
        }
      });
      check.catch(() => this.checkedImages.delete(family));
      this.checkedImages.set(family, check);
    }
    return check;
  }
}

export { SandboxUnavailableError };
