/**
 * Every environment variable the project reads, in one place, with its default.
 * Read once at the edge (CLI, worker entry points) and passed down as options.
 */
import os from 'node:os';
import path from 'node:path';

export const ENV = {
  /** Temporal frontend address. */
  TEMPORAL_ADDRESS: 'TEMPORAL_ADDRESS',
  TEMPORAL_NAMESPACE: 'TEMPORAL_NAMESPACE',
  /** Artifact store root: `file:///abs/dir` or `s3://bucket/prefix`. */
  REPAIRITY_STORE: 'REPAIRITY_STORE',
  /** Folder where pipeline files named by the UI start form are looked up. */
  REPAIRITY_PIPELINES: 'REPAIRITY_PIPELINES',
  /** Cache folder for slow builds (Temporal CLI, MinIO, sandbox images, Python env). */
  REPAIRITY_CACHE: 'REPAIRITY_CACHE',
  /** Comma-separated task queues a worker process serves. */
  REPAIRITY_QUEUES: 'REPAIRITY_QUEUES',
  /** Prefix of every task queue name (so several installations can share one namespace). */
  REPAIRITY_QUEUE_PREFIX: 'REPAIRITY_QUEUE_PREFIX',
  ANTHROPIC_API_KEY: 'ANTHROPIC_API_KEY',
  ANTHROPIC_BASE_URL: 'ANTHROPIC_BASE_URL',
} as const;

export interface Defaults {
  temporalAddress: string;
  namespace: string;
  store: string;
  pipelinesDir: string;
  cacheDir: string;
  queuePrefix: string;
}

export function readDefaults(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Defaults {
  return {
    temporalAddress: env[ENV.TEMPORAL_ADDRESS] ?? 'localhost:7233',
    namespace: env[ENV.TEMPORAL_NAMESPACE] ?? 'default',
    store: env[ENV.REPAIRITY_STORE] ?? `file://${path.join(cwd, '.repairity', 'store')}`,
    pipelinesDir: env[ENV.REPAIRITY_PIPELINES] ?? path.join(cwd, 'pipelines'),
    cacheDir: env[ENV.REPAIRITY_CACHE] ?? path.join(os.homedir(), '.cache', 'repairity'),
    queuePrefix: env[ENV.REPAIRITY_QUEUE_PREFIX] ?? '',
  };
}
