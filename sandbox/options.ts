/**
 * Sandbox settings with their defaults. `resolveSandboxOptions` fills every default; the rest of
 * the code only sees `ResolvedSandboxOptions`.
 */
import os from 'node:os';

export type BackendName = 'docker-pool' | 'docker-fresh' | 'UNSANDBOXED-host';

export interface IsolationLimits {
  /** Memory limit per container (no swap). Default 1024 MiB. */
  memoryMb?: number;
  /** CPUs per container. Default 1. */
  cpus?: number;
  /** Maximum processes per container. Default 256. */
  pidsLimit?: number;
  /** Size of the writable /work tmpfs. Default 256 MiB. */
  workTmpfsMb?: number;
  /** Size of the writable /tmp tmpfs. Default 64 MiB. */
  tmpTmpfsMb?: number;
  /** uid:gid the code runs as. Default 10001:10001 (`sandbox` in the images). */
  user?: string;
}

export interface SandboxOptions {
  /**
   * `docker-pool` (default): a warm pool of containers, each task in a fresh process and working
   * directory. `docker-fresh`: one new container per task. `UNSANDBOXED-host`: runs code directly
   * on this machine with no isolation at all: development only, never on untrusted code.
   */
  backend?: BackendName;
  /** Image per task format family; default: the images `repairity images build` makes. */
  images?: { python?: string; java?: string; bigcodebench?: string };
  /** Containers kept warm per image (and tasks run at once). Default: number of CPUs. */
  poolSize?: number;
  /** Tasks run at once by the fresh and host backends. Default: number of CPUs. */
  concurrency?: number;
  /** Wall-clock limit per task. Default 10 000 ms. */
  timeoutMs?: number;
  /** Bytes of stdout and of stderr kept per task (head and tail). Default 64 KiB. */
  outputLimitBytes?: number;
  limits?: IsolationLimits;
  /** Labels every container carries besides the sandbox ones. */
  labels?: Record<string, string>;
}

export interface ResolvedSandboxOptions {
  backend: BackendName;
  images: { python: string; java: string; bigcodebench: string };
  poolSize: number;
  concurrency: number;
  timeoutMs: number;
  outputLimitBytes: number;
  limits: Required<IsolationLimits>;
  labels: Record<string, string>;
}

export const DEFAULT_LIMITS: Required<IsolationLimits> = {
  memoryMb: 1024,
  cpus: 1,
  pidsLimit: 256,
  workTmpfsMb: 256,
  tmpTmpfsMb: 64,
  user: '10001:10001',
};

export function resolveSandboxOptions(
  options: SandboxOptions,
  defaultImages: { python: string; java: string; bigcodebench: string },
): ResolvedSandboxOptions {
  const cpus = Math.max(1, os.availableParallelism());
  return {
    backend: options.backend ?? 'docker-pool',
    images: {
      python: options.images?.python ?? defaultImages.python,
      java: options.images?.java ?? defaultImages.java,
      bigcodebench: options.images?.bigcodebench ?? defaultImages.bigcodebench,
    },
    poolSize: options.poolSize ?? cpus,
    concurrency: options.concurrency ?? cpus,
    timeoutMs: options.timeoutMs ?? 10_000,
    outputLimitBytes: options.outputLimitBytes ?? 64 * 1024,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    labels: options.labels ?? {},
  };
}
