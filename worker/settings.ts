/**
 * The one settings loader: every environment variable of core/env.ts's ENV, read once at a
 * process's edge (the CLI's commands, the worker, the demo, benchmarks) into one typed object that
 * is passed down. A bad value fails here, naming the variable and what to do; defaults are those
 * docs/operations.md lists. Only this file (and worker/threadpool.ts, which sizes libuv's pool
 * before anything runs) reads process.env in the product. Its parts stay light (no SDK loaded), so
 * that every command may load it.
 */
import path from 'node:path';
import { readRunEndSettings, type RunEndSettings } from '../activities/run-end/settings.js';
import { ENV, readClaudeSettings, readDefaults, readSandboxSettings, readTemporalSecurity, type ClaudeSettings, type Defaults, type SandboxSettings, type TemporalSecurity } from '../core/env.js';
import type { KindSettings } from '../kinds/define.js';
import { readTrainingSettings, type TrainingSettings } from '../kinds/training/settings.js';
import { readSweBenchSettings, type SweBenchSettings } from '../sandbox/swebench/settings.js';
import { readS3Settings, type S3ClientSettings } from '../store/s3-settings.js';
import { readMetricsSettings, type MetricsSettings } from './metrics-settings.js';

export interface Settings {
  /** Temporal address and namespace, store root, folders, queue prefix, the Temporal and MinIO binaries. */
  defaults: Defaults;
  temporalSecurity: TemporalSecurity;
  s3: S3ClientSettings;
  claude: ClaudeSettings;
  sandbox: SandboxSettings;
  swebench: SweBenchSettings;
  training: TrainingSettings;
  /** Notifications and experiment tracking at the end of a run. */
  runEnd: RunEndSettings;
  /** The worker's Prometheus endpoint; none by default. */
  metrics?: MetricsSettings;
  /** Task queues a worker process serves; default all. */
  queues?: string[];
  /** Folder relative dataset paths resolve against. */
  dataRoot: string;
  /** Answers of the demo's simulated teacher. */
  teacherResponses: string;
  /** What `make` noted of its set-up steps for the demo (REPAIRITY_SETUP_LOG); absent outside make. */
  setupLog?: string;
}

export interface LoadOptions {
  /** Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Default: this process's working directory. */
  cwd?: string;
  /** Values for variables the environment leaves unset (`repairity dev`: its own Web UI's URL). */
  fallback?: Record<string, string>;
  /** Values that win over the environment (`repairity demo`: its simulated teacher's URL). */
  override?: Record<string, string>;
}

const environment = (opts: LoadOptions): NodeJS.ProcessEnv => ({ ...opts.fallback, ...(opts.env ?? process.env), ...opts.override });

/**
 * Only the defaults (addresses, store, folders, binaries): what a command needs to register its
 * flags or find a pipeline, without failing on a bad value it never uses (a TLS file, a Claude limit).
 */
export function loadDefaults(opts: LoadOptions = {}): Defaults {
  return readDefaults(environment(opts), opts.cwd ?? process.cwd());
}

export function loadSettings(opts: LoadOptions = {}): Settings {
  const env = environment(opts);
  const cwd = opts.cwd ?? process.cwd();
  const defaults = readDefaults(env, cwd);
  const metrics = readMetricsSettings(env);
  const setupLog = env[ENV.REPAIRITY_SETUP_LOG]?.trim();
  const queues = env[ENV.REPAIRITY_QUEUES]?.split(',').map((q) => q.trim()).filter(Boolean);
  return {
    defaults,
    temporalSecurity: readTemporalSecurity(env),
    s3: readS3Settings(env),
    claude: readClaudeSettings(env),
    sandbox: readSandboxSettings(env),
    swebench: readSweBenchSettings(defaults.cacheDir, env),
    training: readTrainingSettings(env),
    runEnd: readRunEndSettings(env),
    ...(metrics ? { metrics } : {}),
    ...(queues?.length ? { queues } : {}),
    dataRoot: env[ENV.REPAIRITY_DATA_ROOT]?.trim() || cwd,
    teacherResponses: env[ENV.REPAIRITY_TEACHER_RESPONSES]?.trim() || path.join(defaults.cacheDir, 'claude', 'mbpp-teacher-judge.jsonl'),
    ...(setupLog ? { setupLog } : {}),
  };
}

/** The step families' slices of the settings (`StepDependencies.settings`). */
export function kindSettings(s: Settings): KindSettings {
  const { tracking } = s.runEnd;
  return { claude: s.claude, sandbox: s.sandbox, swebench: s.swebench, training: s.training, ...(tracking ? { tracking } : {}) };
}
