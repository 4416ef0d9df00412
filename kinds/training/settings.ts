/** Options of the training steps, with their defaults; read from the environment at the edge. */
import os from 'node:os';
import path from 'node:path';
import { ENV, positiveNumber } from '../../core/env.js';
import { PermanentError } from '../../core/errors.js';
import { packageRoot } from '../../core/package-root.js';

export interface TrainingSettings {
  /** Python interpreter with the trainer's packages. Default: REPAIRITY_PYTHON, else `python3`. */
  python: string;
  /** Folder containing the `trainer/` package. Default: this repository's root. */
  trainerRoot: string;
  /** Parent of each attempt's scratch folder (inputs, checkpoints, outputs). Default: the OS temp folder. */
  workRoot: string;
  /** Run the trainer in this Docker image with GPU device requests instead of a local process. */
  dockerImage?: string;
  /** GPUs a container requests ("all" or a count). Default "all". */
  dockerGpus: 'all' | number;
  /** How long a stopping trainer may take to write its final checkpoint before SIGKILL. Default 10 min. */
  stopGraceMs: number;
  /**
   * An attempt whose trainer (any rank of a group) reports nothing for this long is failed as
   * hung, and all its processes are killed. Default 30 min (REPAIRITY_TRAINER_HANG_TIMEOUT_S).
   */
  hangTimeoutMs: number;
  /** Keep each attempt's scratch folder (debugging). Default false. */
  keepWorkDir: boolean;
  /** Keep a trainer process with its libraries imported ready for the next launch. Default true. */
  keepWarm: boolean;
  /** Start that process when the worker starts, not at its first training step. Default false (set it on GPU workers). */
  prewarm: boolean;
  /** The environment the trainer's processes inherit: the worker's, as the loader read it. */
  env: NodeJS.ProcessEnv;
}

export const repositoryRoot = packageRoot();

function trainerGpus(raw: string | undefined): 'all' | number {
  if (!raw || raw === 'all') return 'all';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new PermanentError(`${ENV.REPAIRITY_TRAINER_GPUS} must be "all" or a count of GPUs, got ${JSON.stringify(raw)}; fix or unset it`);
  return n;
}

export function readTrainingSettings(env: NodeJS.ProcessEnv): TrainingSettings {
  const gpus = env[ENV.REPAIRITY_TRAINER_GPUS]?.trim();
  const image = env[ENV.REPAIRITY_TRAINER_IMAGE]?.trim();
  return {
    python: env[ENV.REPAIRITY_PYTHON]?.trim() || 'python3',
    trainerRoot: repositoryRoot,
    workRoot: env[ENV.REPAIRITY_TRAINER_WORKDIR]?.trim() || os.tmpdir(),
    ...(image ? { dockerImage: image } : {}),
    dockerGpus: trainerGpus(gpus),
    stopGraceMs: 10 * 60_000,
    hangTimeoutMs: (positiveNumber(env, ENV.REPAIRITY_TRAINER_HANG_TIMEOUT_S) ?? 30 * 60) * 1000,
    keepWorkDir: false,
    keepWarm: env[ENV.REPAIRITY_TRAINER_KEEP_WARM]?.trim() !== 'false',
    prewarm: env[ENV.REPAIRITY_TRAINER_PREWARM]?.trim() === 'true',
    env,
  };
}
