/** Shared set-up of the pipeline tests: the simulated teacher, worker environment, the S3 store. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { createS3Client } from '../../store/s3-client.js';
import { readS3Settings } from '../../store/s3-settings.js';
import { S3Store } from '../../store/s3.js';
import { responderFrom, startClaudeSimulator, type ClaudeSimulator } from '../../claude-simulator/index.js';
import { teacherEntries, type MbppRow } from '../../claude-simulator/mbpp-teacher.js';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { ensureImages, testDocker } from '../sandbox/helpers.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** The local Anthropic-compatible server answering as the demo's simulated teacher does. */
export async function startTeacher(): Promise<ClaudeSimulator> {
  const rows = fs.readFileSync(path.join(repoRoot, 'data/mbpp/mbpp.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as MbppRow);
  return startClaudeSimulator({ responder: responderFrom({ responses: teacherEntries(rows, { wrongFraction: 0.2, seed: 1 }) }) });
}

/** Points this process's workers at the teacher, a small sandbox pool and the trainer's venv; returns a restore function. */
export function workerEnv(teacherUrl: string): () => void {
  const saved = { ...process.env };
  process.env.ANTHROPIC_BASE_URL = teacherUrl;
  delete process.env.ANTHROPIC_API_KEY;
  process.env.REPAIRITY_SANDBOX_POOL_SIZE = '2';
  process.env.REPAIRITY_PYTHON ??= path.join(process.env.REPAIRITY_CACHE ?? path.join(process.env.HOME ?? '', '.cache/repairity'), 'venv/bin/python');
  return () => {
    process.env = saved;
  };
}

/** A fresh prefix of the shared MinIO bucket. */
export function minioStore(): S3Store {
  const client = createS3Client(readS3Settings({ AWS_ENDPOINT_URL: inject('minioEndpoint'), AWS_ACCESS_KEY_ID: inject('minioAccessKey'), AWS_SECRET_ACCESS_KEY: inject('minioSecretKey') }));
  return new S3Store({ client, bucket: inject('minioBucket'), prefix: `repairity/${randomUUID()}` });
}

/**
 * What a whole-pipeline test file needs, set up once for the file: the sandbox images, the
 * simulated teacher with the worker environment pointing at it, a fresh MinIO prefix as the
 * store, and an engine on it. Read `engine` and `store` inside tests (they exist from beforeAll).
 */
export function usePipelineEngine(): { readonly engine: TestEngine; readonly store: S3Store; readonly teacher: ClaudeSimulator } {
  let server: ClaudeSimulator | undefined;
  let engine: TestEngine | undefined;
  let store: S3Store | undefined;
  let restoreEnv: () => void = () => undefined;
  beforeAll(async () => {
    await ensureImages(testDocker());
    server = await startTeacher();
    restoreEnv = workerEnv(server.url);
    store = minioStore();
    engine = await createTestEngine({ store, limits: { claude: { maxConcurrent: 8 } } });
  }, 600_000);
  afterAll(async () => {
    await engine?.close();
    await server?.close();
    restoreEnv();
  });
  return {
    get engine() {
      if (!engine) throw new Error('the pipeline engine is set up in beforeAll');
      return engine;
    },
    get store() {
      if (!store) throw new Error('the pipeline store is set up in beforeAll');
      return store;
    },
    /** The simulated teacher (its `received` request bodies). */
    get teacher() {
      if (!server) throw new Error('the simulated teacher is set up in beforeAll');
      return server;
    },
  };
}
