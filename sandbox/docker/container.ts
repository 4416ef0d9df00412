/**
 * One running sandbox container whose main process is the supervisor (runtime/supervisor.py).
 * The host talks to it over the container's attached stdin/stdout: one request at a time.
 */
import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { InternalError, TransientError } from '../../core/errors.js';
import { LineSplitter, RESPONSE_PREFIX, runtimeFile, type SupervisorRequest, type SupervisorResponse } from '../protocol.js';
import { isolatedContainerOptions, WORK_DIR } from './security.js';
import type { IsolationLimits } from '../options.js';

/** The container died or stopped answering while a task ran (the task killed its supervisor, OOM, engine trouble). */
export class ContainerLostError extends TransientError {}

export interface StartContainerOptions {
  docker: Docker;
  image: string;
  limits: Required<IsolationLimits>;
  labels: Record<string, string>;
  /** Milliseconds to wait for the supervisor's ready line. Default 60 000. */
  startTimeoutMs?: number;
}

interface Pending {
  resolve(response: SupervisorResponse): void;
  reject(err: Error): void;
}

export class SupervisedContainer {
  /** Number of tasks this container has run. */
  tasksRun = 0;
  private pending: Pending | undefined;
  private dead: Error | undefined;
  private removed: Promise<void> | undefined;
  private stderrTail = '';

  private constructor(
    private readonly docker: Docker,
    readonly container: Docker.Container,
    private readonly stream: Duplex,
  ) {}

  get id(): string {
    return this.container.id;
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  static async start(options: StartContainerOptions): Promise<SupervisedContainer> {
    const { docker } = options;
    const cmd = ['python3', '-I', '-u', '-c', runtimeFile('supervisor.py'), 'container', WORK_DIR];
    const container = await docker.createContainer(isolatedContainerOptions(options.image, cmd, options.limits, options.labels));
    let stream: Duplex;
    try {
      stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as Duplex;
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw err;
    }
    const self = new SupervisedContainer(docker, container, stream);
    const ready = self.listen();
    try {
      await container.start();
      await withTimeout(ready, options.startTimeoutMs ?? 60_000, () => `container ${container.id.slice(0, 12)} did not start its supervisor: ${self.stderrTail}`);
    } catch (err) {
      await self.destroy();
      throw err;
    }
    return self;
  }

  /** Wires the attach stream; resolves on the supervisor's ready line. */
  private listen(): Promise<void> {
    const out = new PassThrough();
    const err = new PassThrough();
    this.docker.modem.demuxStream(this.stream, out, err);
    const lines = new LineSplitter();
    let onReady: (() => void) | undefined;
    let onFail: ((e: Error) => void) | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) {
        if (!line.startsWith(RESPONSE_PREFIX)) continue;
        const message = JSON.parse(line.slice(RESPONSE_PREFIX.length)) as SupervisorResponse & { ready?: boolean };
        if (message.ready) {
          onReady?.();
          continue;
        }
        const pending = this.pending;
        this.pending = undefined;
        pending?.resolve(message);
      }
    });
    err.setEncoding('utf8');
    err.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2000);
    });
    const lost = () => this.markDead(new ContainerLostError(`sandbox container ${this.id.slice(0, 12)} stopped: ${this.stderrTail.trim() || 'its supervisor exited'}`));
    this.stream.on('end', lost);
    this.stream.on('close', lost);
    this.stream.on('error', (e: Error) => this.markDead(new ContainerLostError(`sandbox container ${this.id.slice(0, 12)} stream failed: ${e.message}`, {}, { cause: e })));
    ready.catch(() => undefined);
    this.deadListeners.push((e) => onFail?.(e));
    return ready;
  }

  private deadListeners: ((err: Error) => void)[] = [];

  private markDead(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(err);
    for (const listener of this.deadListeners) listener(err);
  }

  /**
   * Runs one request. Rejects with ContainerLostError if the container dies, or with the abort
   * reason if `signal` fires (the container is then destroyed). If no answer comes `hostGraceMs`
   * after the task's own deadline, the container is destroyed and the call rejects.
   */
  async run(request: SupervisorRequest, options: { signal?: AbortSignal; hostGraceMs?: number } = {}): Promise<SupervisorResponse> {
    if (this.dead) throw this.dead;
    if (this.pending) throw new InternalError('a sandbox container runs one task at a time');
    const { signal } = options;
    signal?.throwIfAborted();
    const answer = new Promise<SupervisorResponse>((resolve, reject) => {
      this.pending = { resolve, reject };
    });
    const onAbort = () => {
      this.markDead(signal?.reason instanceof Error ? signal.reason : new Error('sandbox task cancelled'));
      void this.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const hostDeadline = request.timeoutMs + (options.hostGraceMs ?? 15_000);
    const timer = setTimeout(() => {
      this.markDead(new ContainerLostError(`sandbox container ${this.id.slice(0, 12)} did not answer within ${hostDeadline} ms; removed`));
      void this.destroy();
    }, hostDeadline);
    try {
      this.stream.write(JSON.stringify(request) + '\n');
      const response = await answer;
      this.tasksRun += 1;
      return response;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Kills and removes the container; safe to call more than once. */
  destroy(): Promise<void> {
    this.removed ??= (async () => {
      this.markDead(new ContainerLostError(`sandbox container ${this.id.slice(0, 12)} was removed`));
      this.stream.destroy();
      await this.container.remove({ force: true }).catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
      });
    })();
    return this.removed;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ContainerLostError(message())), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
