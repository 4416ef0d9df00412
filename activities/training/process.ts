/**
 * How the trainer is started: a local Python process (default) or a Docker container with GPU
 * device requests (docker.ts). Both give the same handle, so the activity code does not care.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

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
}

export type TrainerLauncher = (cmd: TrainerCommand) => Promise<TrainerProcess>;

export interface LocalLauncherOptions {
  /** The Python interpreter of the trainer's environment (REPAIRITY_PYTHON, set by mk/python.mk). */
  python: string;
  /** The folder that contains the `trainer/` package (the repository root). */
  trainerRoot: string;
  /** Environment of the child; default: this process's. */
  baseEnv?: NodeJS.ProcessEnv;
}

export function localLauncher(opts: LocalLauncherOptions): TrainerLauncher {
  return async (cmd) => {
    const base = opts.baseEnv ?? process.env;
    const pythonPath = [opts.trainerRoot, base.PYTHONPATH].filter(Boolean).join(':');
    const child = spawn(opts.python, ['-m', 'trainer', ...cmd.args], {
      cwd: cmd.workDir,
      env: { ...base, ...cmd.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<TrainerExit>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    return {
      stdout: child.stdout,
      stderr: child.stderr,
      terminate: () => void child.kill('SIGTERM'),
      kill: () => void child.kill('SIGKILL'),
      exited,
    };
  };
}
