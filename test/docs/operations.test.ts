/**
 * docs/operations.md's table of environment variables and the settings loader (worker/settings.ts,
 * over core/env.ts's ENV) list the same variables, and the loader reads the environment once: no
 * other product file reads process.env.
 */
import fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../core/env.js';
import { PermanentError } from '../../core/errors.js';
import { loadDefaults, loadSettings } from '../../worker/settings.js';
import { repoRoot, trackedFiles } from '../helpers/repo-files.js';

/** The variables named in the first cell of the table's rows. */
async function documented(): Promise<Set<string>> {
  const doc = await fs.readFile(path.join(repoRoot, 'docs', 'operations.md'), 'utf8');
  const rows = doc.split('\n').filter((l) => l.startsWith('| `'));
  return new Set(rows.flatMap((r) => [...r.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)));
}

/** Where reading process.env is right, and why. */
const READS_ENV: Record<string, string> = {
  'worker/settings.ts': 'the settings loader',
  'worker/threadpool.ts': "sizes libuv's thread pool before any other module runs",
  'cli/code-cache.ts': "picks the V8 code cache of the short commands before any other module loads",
  'kinds/training/process.ts': "the trainer's child process inherits the worker's environment",
  'dev-services/minio.ts': "the MinIO child process inherits this process's environment",
};

describe('settings', () => {
  it('docs/operations.md documents every variable the loader reads, and no other', async () => {
    const docs = await documented();
    expect(Object.values(ENV).filter((name) => !docs.has(name))).toEqual([]);
    expect([...docs].filter((name) => !(name in ENV))).toEqual([]);
  });

  it('no product file but the loader reads process.env', () => {
    const product = trackedFiles(['*.ts']).filter((f) => !/^(test|bench|scripts)\//.test(f) && !(f in READS_ENV));
    expect(product.filter((f) => readFileSync(path.join(repoRoot, f), 'utf8').includes('process.env'))).toEqual([]);
  });

  it('has the documented defaults', () => {
    const s = loadSettings({ env: { REPAIRITY_CACHE: '/cache' }, cwd: '/repo' });
    expect(s.defaults).toMatchObject({ temporalAddress: 'localhost:7233', namespace: 'default', store: 'file:///repo/.repairity/store', pipelinesDir: '/repo/pipelines', temporalBin: '/cache/bin/temporal', minioBin: '/cache/bin/minio' });
    expect(s.claude).toMatchObject({ timeoutMs: 600_000, concurrency: 16 });
    expect(s.training).toMatchObject({ python: 'python3', dockerGpus: 'all', hangTimeoutMs: 1_800_000, keepWarm: true, prewarm: false });
    expect(s.swebench).toMatchObject({ timeoutMs: 1_800_000, cloneUrl: 'https://github.com/{repo}.git' });
    expect(s.runEnd.uiUrl).toBe('http://localhost:8233');
    expect(s).toMatchObject({ dataRoot: '/repo', teacherResponses: '/cache/claude/mbpp-teacher-judge.jsonl' });
    expect(s.metrics).toBeUndefined();
    expect(loadSettings({ env: {}, fallback: { REPAIRITY_UI_URL: 'http://ui' } }).runEnd.uiUrl).toBe('http://ui');
    expect(loadSettings({ env: { REPAIRITY_UI_URL: 'http://mine' }, fallback: { REPAIRITY_UI_URL: 'http://ui' } }).runEnd.uiUrl).toBe('http://mine');
    expect(loadSettings({ env: { ANTHROPIC_BASE_URL: 'http://a' }, override: { ANTHROPIC_BASE_URL: 'http://sim' } }).claude.baseURL).toBe('http://sim');
  });

  it.each([
    ['REPAIRITY_CLAUDE_RPS', 'many'],
    ['REPAIRITY_TRAINER_GPUS', 'two'],
    ['REPAIRITY_SWEBENCH_TIMEOUT_S', '-5'],
    ['REPAIRITY_METRICS_PORT', 'ninety'],
    ['TEMPORAL_TLS', 'yes'],
  ])('a bad %s names the variable and what to do', (name, value) => {
    expect(() => loadSettings({ env: { [name]: value } })).toThrow(PermanentError);
    expect(() => loadSettings({ env: { [name]: value } })).toThrow(new RegExp(`${name} must be .*${value}`));
    // What registers flags or finds a pipeline reads the defaults only, so it does not fail on it.
    expect(loadDefaults({ env: { [name]: value }, cwd: '/repo' }).pipelinesDir).toBe('/repo/pipelines');
  });
});
