/**
 * UNSANDBOXED: runs the supervisor directly on this machine, as the current user, with no
 * isolation at all (no container, full network, the whole file system, no memory or process
 * limits; only the task's process group is killed afterwards). For development on machines
 * without Docker, and as the "plain subprocess" baseline of bench/sandbox. Never for untrusted code.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../core/package-root.js';
import { ContainerLostError } from '../docker/container.js';
import { LineSplitter, RESPONSE_PREFIX, type SupervisorRequest, type SupervisorResponse } from '../protocol.js';
import type { SupervisorHandle } from './handle.js';

export const UNSANDBOXED_WARNING =
  'WARNING: the UNSANDBOXED-host backend runs candidate code directly on this machine with NO isolation ' +
  '(network, files, processes). Use it only for development, never on untrusted code.';

export class HostSupervisor implements SupervisorHandle {
  tasksRun = 0;
  private dead: Error | undefined;
  private pending: { resolve(r: SupervisorResponse): void; reject(e: Error): void } | undefined;
  private ready!: Promise<void>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly workRoot: string,
  ) {}

  get id(): string {
    return `host-${this.child.pid}`;
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  static async start(python = 'python3'): Promise<HostSupervisor> {
    const workRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-unsandboxed-'));
    const script = path.join(packageRoot(), 'sandbox', 'runtime', 'supervisor.py');
    const child = spawn(python, ['-I', '-u', script, 'host', workRoot], { stdio: ['pipe', 'pipe', 'pipe'] });
    const self = new HostSupervisor(child, workRoot);
    self.ready = new Promise((resolve, reject) => {
      const lines = new LineSplitter();
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        for (const line of lines.push(chunk)) {
          if (!line.startsWith(RESPONSE_PREFIX)) continue;
          const message = JSON.parse(line.slice(RESPONSE_PREFIX.length)) as SupervisorResponse & { ready?: boolean };
          if (message.ready) {
            resolve();
            continue;
          }
          const pending = self.pending;
          self.pending = undefined;
          pending?.resolve(message);
        }
      });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (c: string) => (stderr = (stderr + c).slice(-2000)));
      child.on('error', (err) => reject(err));
      child.on('exit', (code, signal) => {
        const err = new ContainerLostError(`host supervisor exited (${signal ?? code}): ${stderr.trim()}`);
        self.dead ??= err;
        reject(err);
        const pending = self.pending;
        self.pending = undefined;
        pending?.reject(err);
      });
    });
    await self.ready;
    return self;
  }

  async run(request: SupervisorRequest, options: { signal?: AbortSignal } = {}): Promise<SupervisorResponse> {
    if (this.dead) throw this.dead;
    const { signal } = options;
    signal?.throwIfAborted();
    const answer = new Promise<SupervisorResponse>((resolve, reject) => {
      this.pending = { resolve, reject };
    });
    const onAbort = () => void this.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.child.stdin.write(JSON.stringify(request) + '\n');
      const response = await answer;
      this.tasksRun += 1;
      return response;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async destroy(): Promise<void> {
    this.dead ??= new ContainerLostError('host supervisor was stopped');
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    await fs.rm(this.workRoot, { recursive: true, force: true });
  }
}
