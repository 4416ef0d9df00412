/**
 * How the trainer is started: a local Python process (default) or a Docker container with GPU
 * device requests (docker.ts). Both give the same handle, so the activity code does not care.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { Readable } from 'node:stream';
import { startGroup, type TrainerGroup } from './group.js';

export interface TrainerExit {
  code: number | null;
  signal: string | null;
}

export interface TrainerProcess {
  stdout: Readable;
  stderr: Readable;
  /** SIGTERM: the trainer writes a final checkpoint at the next step boundary and exits 143. */
  terminate(): void;
  /** SIGKILL, when it does not stop in time. */
  kill(): void;
  exited: Promise<TrainerExit>;
}

export interface TrainerCommand {
  /** Arguments after `python -m trainer`. */
  args: string[];
  /** Folder holding this attempt's files; the container launcher mounts it. */
  workDir: string;
  env: Record<string, string>;
  /** The step invocation's idempotency key: a container launcher removes an older trainer of the same key. */
  key: string;
  /** Several ranks, launched together by torchrun (group.ts); absent = one process. */
  group?: TrainerGroup;
}

export type TrainerLauncher = (cmd: TrainerCommand) => Promise<TrainerProcess>;

export interface LocalLauncherOptions {
  /** The Python interpreter of the trainer's environment (REPAIRITY_PYTHON, set by mk/python.mk). */
  python: string;
  /** The folder that contains the `trainer/` package (the repository root). */
  trainerRoot: string;
  /** Environment of the child; default: this process's. */
  baseEnv?: NodeJS.ProcessEnv;
  /**
   * Keep one trainer process started ahead, with torch and transformers already imported
   * (`python -m trainer serve`), so the next launch (a retry after a crash) starts training
   * seconds sooner. Default true.
   */
  keepWarm?: boolean;
  /** Start the first warm process now rather than at the first launch (GPU workers). Default false. */
  prewarm?: boolean;
}

type Unrefable = { unref?: () => void; ref?: () => void };

/** The environment of a local trainer process: `base` with the trainer importable and unbuffered output. */
export function trainerEnv(base: NodeJS.ProcessEnv, trainerRoot: string): NodeJS.ProcessEnv {
  return { ...base, PYTHONPATH: [trainerRoot, base.PYTHONPATH].filter(Boolean).join(':'), PYTHONUNBUFFERED: '1' };
}

/** Local trainer processes, started as `python -m trainer serve` and handed their arguments on stdin. */
export function localLauncher(opts: LocalLauncherOptions): TrainerLauncher {
  const env = trainerEnv(opts.baseEnv ?? process.env, opts.trainerRoot);
  let spare: ChildProcess | undefined;

  const start = (extra: Record<string, string>): ChildProcess =>
    spawn(opts.python, ['-m', 'trainer', 'serve'], {
      cwd: os.tmpdir(),
      env: { ...env, ...extra },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  // An idle spare must not keep this process alive.
  const setRef = (child: ChildProcess, on: boolean) => {
    for (const s of [child, child.stdin, child.stdout, child.stderr] as Unrefable[]) (on ? s?.ref : s?.unref)?.call(s);
  };
  const alive = (c: ChildProcess | undefined): c is ChildProcess => c !== undefined && c.exitCode === null && c.signalCode === null;

  const prepareSpare = () => {
    spare = start({});
    spare.on('error', () => undefined);
    spare.stderr!.resume(); // import warnings must not fill the pipe
    setRef(spare, false);
  };
  if (opts.prewarm && opts.keepWarm !== false) prepareSpare();

  return async (cmd) => {
    if (cmd.group) return startGroup({ python: opts.python, env }, { ...cmd, group: cmd.group });
    let child = Object.keys(cmd.env).length === 0 && alive(spare) ? spare : undefined;
    if (child) setRef(child, true);
    else child = start(cmd.env);
    spare = undefined;
    const exited = new Promise<TrainerExit>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    child.stdin!.end(JSON.stringify({ argv: cmd.args, cwd: cmd.workDir }) + '\n');
    if (opts.keepWarm !== false) prepareSpare();
    return {
      stdout: child.stdout!,
      stderr: child.stderr!,
      terminate: () => void child.kill('SIGTERM'),
      kill: () => void child.kill('SIGKILL'),
      exited,
    };
  };
}
