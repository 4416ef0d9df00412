/**
 * Every environment variable the project reads, in one place, with its default.
 * Read once at the edge (CLI, worker entry points) and passed down as options.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PermanentError } from './errors.js';

export const ENV = {
  /** Temporal frontend address. */
  TEMPORAL_ADDRESS: 'TEMPORAL_ADDRESS',
  TEMPORAL_NAMESPACE: 'TEMPORAL_NAMESPACE',
  /** `true` for TLS with the system's CAs (implied by any of the TLS settings below). */
  TEMPORAL_TLS: 'TEMPORAL_TLS',
  /** PEM file of the CA that signed the frontend's certificate (a private CA). */
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_CA',
  /** mTLS: PEM files of this client's certificate and key. */
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CERT',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_KEY',
  /** Name the frontend's certificate is checked against, when it differs from the address's host. */
  TEMPORAL_TLS_SERVER_NAME: 'TEMPORAL_TLS_SERVER_NAME',
  /** API key (Temporal Cloud), sent as a bearer token; implies TLS. */
  TEMPORAL_API_KEY: 'TEMPORAL_API_KEY',
  /** Artifact store root: `file:///abs/dir` or `s3://bucket/prefix`. */
  REPAIRITY_STORE: 'REPAIRITY_STORE',
  /** Folder where pipeline files named by the UI start form are looked up. */
  REPAIRITY_PIPELINES: 'REPAIRITY_PIPELINES',
  /** The Temporal CLI (dev server) used by `repairity dev`, the demo and the tests. */
  REPAIRITY_TEMPORAL_BIN: 'REPAIRITY_TEMPORAL_BIN',
  /** MinIO server binary, for the tests and benchmarks of the S3 store (default $REPAIRITY_CACHE/bin/minio, from `make minio`). */
  REPAIRITY_MINIO_BIN: 'REPAIRITY_MINIO_BIN',
  /** Cache folder for slow builds (Temporal CLI, MinIO, sandbox images, Python env). */
  REPAIRITY_CACHE: 'REPAIRITY_CACHE',
  /** Folder of the named students `make student` installs (default $REPAIRITY_CACHE/models; read by the trainer). */
  REPAIRITY_MODELS: 'REPAIRITY_MODELS',
  /** Comma-separated task queues a worker process serves. */
  REPAIRITY_QUEUES: 'REPAIRITY_QUEUES',
  /** Prefix of every task queue name (so several installations can share one namespace). */
  REPAIRITY_QUEUE_PREFIX: 'REPAIRITY_QUEUE_PREFIX',
  /** Folder that relative dataset paths in pipelines are resolved against (default: the worker's working directory). */
  REPAIRITY_DATA_ROOT: 'REPAIRITY_DATA_ROOT',
  /** S3 store (`REPAIRITY_STORE=s3://bucket/prefix`): the standard AWS settings, any S3-compatible endpoint. */
  AWS_ENDPOINT_URL_S3: 'AWS_ENDPOINT_URL_S3',
  AWS_ENDPOINT_URL: 'AWS_ENDPOINT_URL',
  AWS_REGION: 'AWS_REGION',
  AWS_DEFAULT_REGION: 'AWS_DEFAULT_REGION',
  AWS_ACCESS_KEY_ID: 'AWS_ACCESS_KEY_ID',
  AWS_SECRET_ACCESS_KEY: 'AWS_SECRET_ACCESS_KEY',
  AWS_SESSION_TOKEN: 'AWS_SESSION_TOKEN',
  /** `true` to put the bucket in the path (default: true when an endpoint is set, as MinIO needs). */
  REPAIRITY_S3_FORCE_PATH_STYLE: 'REPAIRITY_S3_FORCE_PATH_STYLE',
  /** Python interpreter of the trainer's environment (mk/python.mk exports $(CACHE)/venv/bin/python). */
  REPAIRITY_PYTHON: 'REPAIRITY_PYTHON',
  /** Training steps: run the trainer in this Docker image with GPU device requests instead of a local process. */
  REPAIRITY_TRAINER_IMAGE: 'REPAIRITY_TRAINER_IMAGE',
  /** GPUs a trainer container requests: `all` (default) or a count. */
  REPAIRITY_TRAINER_GPUS: 'REPAIRITY_TRAINER_GPUS',
  /** Scratch folder for training attempts (inputs, checkpoints, outputs); default: the OS temp folder. */
  REPAIRITY_TRAINER_WORKDIR: 'REPAIRITY_TRAINER_WORKDIR',
  /** `false` to start each trainer cold instead of keeping one with torch imported ready. */
  REPAIRITY_TRAINER_KEEP_WARM: 'REPAIRITY_TRAINER_KEEP_WARM',
  /** `true` on GPU workers: start that warm trainer process with the worker. */
  REPAIRITY_TRAINER_PREWARM: 'REPAIRITY_TRAINER_PREWARM',
  /** Seconds without any event from a training attempt before it is failed as hung and killed (default 1800). */
  REPAIRITY_TRAINER_HANG_TIMEOUT_S: 'REPAIRITY_TRAINER_HANG_TIMEOUT_S',
  ANTHROPIC_API_KEY: 'ANTHROPIC_API_KEY',
  ANTHROPIC_BASE_URL: 'ANTHROPIC_BASE_URL',
  /** `claude` task queue: activities one worker runs at once (default 16). */
  REPAIRITY_CLAUDE_CONCURRENCY: 'REPAIRITY_CLAUDE_CONCURRENCY',
  /** `claude` task queue: activities started per second across all workers (default: no limit). */
  REPAIRITY_CLAUDE_RPS: 'REPAIRITY_CLAUDE_RPS',
  /** Timeout of one Claude HTTP request, in milliseconds (default 600000). */
  REPAIRITY_CLAUDE_TIMEOUT_MS: 'REPAIRITY_CLAUDE_TIMEOUT_MS',
  /** JSON file overriding the Claude price table (see docs/claude.md). */
  REPAIRITY_CLAUDE_PRICES: 'REPAIRITY_CLAUDE_PRICES',
  /** Scripted teacher answers for the local Anthropic-compatible server (`make demo` without a key). */
  REPAIRITY_TEACHER_RESPONSES: 'REPAIRITY_TEACHER_RESPONSES',
  /** Set by `make`: how long each set-up step took (label, tab, seconds per line), which `repairity demo` prints and removes. */
  REPAIRITY_SETUP_LOG: 'REPAIRITY_SETUP_LOG',
  /** Docker engine for the sandbox (`unix:///var/run/docker.sock`, `tcp://host:2375`); default: the local socket. */
  DOCKER_HOST: 'DOCKER_HOST',
  /** Sandbox backend: `docker-pool` (default), `docker-fresh`, or `UNSANDBOXED-host` (development only, no isolation). */
  REPAIRITY_SANDBOX_BACKEND: 'REPAIRITY_SANDBOX_BACKEND',
  /** Warm containers per sandbox image on one worker, and tasks it runs at once (default: number of CPUs). */
  REPAIRITY_SANDBOX_POOL_SIZE: 'REPAIRITY_SANDBOX_POOL_SIZE',
  /** Images to use instead of the locally built ones (any image with python3; java needs a JDK and JUnit 4). */
  REPAIRITY_SANDBOX_PYTHON_IMAGE: 'REPAIRITY_SANDBOX_PYTHON_IMAGE',
  REPAIRITY_SANDBOX_JAVA_IMAGE: 'REPAIRITY_SANDBOX_JAVA_IMAGE',
  /** Debian mirror debootstrap uses to build sandbox images (default: the one apt is configured with). */
  REPAIRITY_DEBIAN_MIRROR: 'REPAIRITY_DEBIAN_MIRROR',
  /** Port of a worker process's Prometheus endpoint (`/metrics`: Temporal's worker metrics and the product's); default: none, no endpoint. */
  REPAIRITY_METRICS_PORT: 'REPAIRITY_METRICS_PORT',
  /** Address that endpoint listens on (default 0.0.0.0). */
  REPAIRITY_METRICS_HOST: 'REPAIRITY_METRICS_HOST',
  /** MLflow tracking server (`http://host:5000`): each pipeline run becomes an MLflow run; default: none, nothing is logged. */
  REPAIRITY_MLFLOW_TRACKING_URI: 'REPAIRITY_MLFLOW_TRACKING_URI',
  /** MLflow experiment the runs go to (default `repairity`; created when missing). */
  REPAIRITY_MLFLOW_EXPERIMENT: 'REPAIRITY_MLFLOW_EXPERIMENT',
  /** Base URL of the Temporal UI, for the run links in notifications (default http://localhost:8233). */
  REPAIRITY_UI_URL: 'REPAIRITY_UI_URL',
  /** SWE-bench grading (docs/benchmarks/swebench.md): tool venvs, repository mirrors, clone URL, time limit. */
  REPAIRITY_SWEBENCH_PYTHON: 'REPAIRITY_SWEBENCH_PYTHON',
  REPAIRITY_SWEBENCH_SPECS_PYTHON: 'REPAIRITY_SWEBENCH_SPECS_PYTHON',
  REPAIRITY_SWEBENCH_REPOS: 'REPAIRITY_SWEBENCH_REPOS',
  REPAIRITY_SWEBENCH_CLONE_URL: 'REPAIRITY_SWEBENCH_CLONE_URL',
  REPAIRITY_SWEBENCH_TIMEOUT_S: 'REPAIRITY_SWEBENCH_TIMEOUT_S',
  /** `off`, `report` or `write`: the V8 code cache of `validate` and `graph` (read by cli/code-cache.ts, before anything else loads). */
  REPAIRITY_CODE_CACHE: 'REPAIRITY_CODE_CACHE',
  /** Node's thread pool for disk work (set by `repairity` at start when unset). */
  UV_THREADPOOL_SIZE: 'UV_THREADPOOL_SIZE',
} as const;

export interface Defaults {
  temporalAddress: string;
  namespace: string;
  store: string;
  pipelinesDir: string;
  cacheDir: string;
  queuePrefix: string;
  /** The Temporal CLI that starts the dev server. */
  temporalBin: string;
  /** The MinIO server (tests and benchmarks). */
  minioBin: string;
}

/** $REPAIRITY_CACHE, else ~/.cache/repairity. */
export function cacheDirOf(env: NodeJS.ProcessEnv): string {
  return env[ENV.REPAIRITY_CACHE] ?? path.join(os.homedir(), '.cache', 'repairity');
}

export function readDefaults(env: NodeJS.ProcessEnv, cwd: string): Defaults {
  const cacheDir = cacheDirOf(env);
  return {
    temporalAddress: env[ENV.TEMPORAL_ADDRESS] ?? 'localhost:7233',
    namespace: env[ENV.TEMPORAL_NAMESPACE] ?? 'default',
    store: env[ENV.REPAIRITY_STORE] ?? `file://${path.join(cwd, '.repairity', 'store')}`,
    pipelinesDir: env[ENV.REPAIRITY_PIPELINES] ?? path.join(cwd, 'pipelines'),
    cacheDir,
    queuePrefix: env[ENV.REPAIRITY_QUEUE_PREFIX] ?? '',
    temporalBin: env[ENV.REPAIRITY_TEMPORAL_BIN] ?? path.join(cacheDir, 'bin', 'temporal'),
    minioBin: env[ENV.REPAIRITY_MINIO_BIN] ?? path.join(cacheDir, 'bin', 'minio'),
  };
}

/** How to reach Temporal beyond its address: TLS files (paths; read by core/temporal-tls.ts) and an API key. */
export interface TemporalSecurity {
  tls?: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string };
  apiKey?: string;
}

export function readTemporalSecurity(env: NodeJS.ProcessEnv): TemporalSecurity {
  const pick = (name: string) => env[name]?.trim() || undefined;
  const [caFile, certFile, keyFile, serverName, apiKey] = [ENV.TEMPORAL_TLS_CA, ENV.TEMPORAL_TLS_CERT, ENV.TEMPORAL_TLS_KEY, ENV.TEMPORAL_TLS_SERVER_NAME, ENV.TEMPORAL_API_KEY].map(pick);
  const flag = pick(ENV.TEMPORAL_TLS);
  if (flag !== undefined && !['true', 'false'].includes(flag)) throw new PermanentError(`${ENV.TEMPORAL_TLS} must be true or false, got ${JSON.stringify(flag)}`);
  if ((certFile === undefined) !== (keyFile === undefined)) throw new PermanentError(`${ENV.TEMPORAL_TLS_CERT} and ${ENV.TEMPORAL_TLS_KEY} go together (mTLS needs both the client certificate and its key)`);
  const wantsTls = flag === 'true' || (flag === undefined && [caFile, certFile, serverName, apiKey].some((v) => v !== undefined));
  const tls = Object.fromEntries(Object.entries({ caFile, certFile, keyFile, serverName }).filter(([, v]) => v !== undefined));
  return { ...(wantsTls ? { tls } : {}), ...(apiKey ? { apiKey } : {}) };
}

/** Settings of the Claude activities and of the `claude` task queue's workers. */
export interface ClaudeSettings {
  /** Absent: calls fail at once with a message saying to set ANTHROPIC_API_KEY. */
  apiKey?: string;
  baseURL?: string;
  timeoutMs: number;
  pricesFile?: string;
  /** Worker option `maxConcurrentActivityTaskExecutions` of the `claude` queue. */
  concurrency: number;
  /** Worker option `maxTaskQueueActivitiesPerSecond` of the `claude` queue (shared by all its workers). */
  activitiesPerSecond?: number;
}

export function positiveNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new PermanentError(`${name} must be a positive number, got ${JSON.stringify(raw)}; fix or unset it`);
  return n;
}

export function readClaudeSettings(env: NodeJS.ProcessEnv): ClaudeSettings {
  const apiKey = env[ENV.ANTHROPIC_API_KEY]?.trim();
  const baseURL = env[ENV.ANTHROPIC_BASE_URL]?.trim();
  const pricesFile = env[ENV.REPAIRITY_CLAUDE_PRICES]?.trim();
  const rps = positiveNumber(env, ENV.REPAIRITY_CLAUDE_RPS);
  return {
    ...(apiKey ? { apiKey } : {}),
    ...(baseURL ? { baseURL } : {}),
    timeoutMs: positiveNumber(env, ENV.REPAIRITY_CLAUDE_TIMEOUT_MS) ?? 600_000,
    ...(pricesFile ? { pricesFile } : {}),
    concurrency: Math.floor(positiveNumber(env, ENV.REPAIRITY_CLAUDE_CONCURRENCY) ?? 16),
    ...(rps !== undefined ? { activitiesPerSecond: rps } : {}),
  };
}

export interface SandboxSettings {
  dockerHost?: string;
  backend?: string;
  poolSize?: number;
  pythonImage?: string;
  javaImage?: string;
  debianMirror?: string;
}

export function readSandboxSettings(env: NodeJS.ProcessEnv): SandboxSettings {
  const pick = (name: string) => env[name]?.trim() || undefined;
  const pool = positiveNumber(env, ENV.REPAIRITY_SANDBOX_POOL_SIZE);
  const settings: SandboxSettings = {
    dockerHost: pick(ENV.DOCKER_HOST),
    backend: pick(ENV.REPAIRITY_SANDBOX_BACKEND),
    poolSize: pool === undefined ? undefined : Math.floor(pool),
    pythonImage: pick(ENV.REPAIRITY_SANDBOX_PYTHON_IMAGE),
    javaImage: pick(ENV.REPAIRITY_SANDBOX_JAVA_IMAGE),
    debianMirror: pick(ENV.REPAIRITY_DEBIAN_MIRROR),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as SandboxSettings;
}

/** The trainer's interpreter for tools that need one (benchmarks, tests): REPAIRITY_PYTHON, else the venv `make venv` builds in the cache. */
export function trainerPython(env: NodeJS.ProcessEnv): string {
  const fromEnv = env[ENV.REPAIRITY_PYTHON]?.trim();
  if (fromEnv) return fromEnv;
  const cached = path.join(cacheDirOf(env), 'venv', 'bin', 'python');
  if (!existsSync(cached)) throw new PermanentError(`no trainer environment at ${cached}: run \`make venv\` first, or set ${ENV.REPAIRITY_PYTHON}`);
  return cached;
}
