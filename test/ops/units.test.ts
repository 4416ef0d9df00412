/** The pure parts of the operations commands: listing queries, rerun intent, TLS settings, step logs. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StepLog } from '../../activities/runtime/step-log.js';
import { runKeys } from '../../activities/runtime/keys.js';
import { forcedSteps, paramsWith, stepsFrom } from '../../cli/rerun-intent.js';
import { runsQuery, sinceDate } from '../../cli/run-listing.js';
import { compilePipeline } from '../../compiler/index.js';
import { readTemporalSecurity } from '../../core/env.js';
import { connectionHint, connectionSecurity } from '../../core/temporal-tls.js';
import { LocalStore } from '../../store/local.js';

const plan = (() => {
  const r = compilePipeline(
    `name: p
params:
  n: { type: integer, default: 1 }
steps:
  a: { uses: data.load_jsonl, with: { path: x.jsonl } }
  b: { uses: data.filter, with: { dataset: "\${{ steps.a.outputs.dataset }}", where: "true" } }
  c: { uses: data.filter, with: { dataset: "\${{ steps.b.outputs.dataset }}", where: "true" } }
  d: { uses: data.sample, with: { dataset: "\${{ steps.a.outputs.dataset }}", count: "\${{ params.n }}" } }
`,
    { file: 'p.yaml' },
  );
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.plan;
})();

describe('rerun intent', () => {
  it('--from takes the step and everything after it; --force the step alone', () => {
    expect(stepsFrom(plan, 'b')).toEqual(['b', 'c']);
    expect(stepsFrom(plan, 'a')).toEqual(['a', 'b', 'c', 'd']);
    expect(forcedSteps(plan, 'b', ['d'])).toEqual(['b', 'c', 'd']);
    expect(forcedSteps(plan, undefined, ['c'])).toEqual(['c']);
    expect(() => forcedSteps(plan, undefined, ['e'])).toThrow(/--force e: pipeline "p" has no step "e"/);
  });
  it('--param is coerced to the declared type on top of the earlier params', () => {
    expect(paramsWith(plan, { n: 1 }, { n: '5' })).toEqual({ n: 5 });
    expect(() => paramsWith(plan, { n: 1 }, { n: 'five' })).toThrow(/param "n" must be an integer/);
  });
});

describe('runs query', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  it('filters by pipeline, states and start', () => {
    expect(runsQuery({ pipeline: "it's", status: ['failed,running'], since: '2d' }, now)).toBe(
      "WorkflowType = 'runPipeline' AND RepairityPipeline = 'it\\'s' AND ExecutionStatus IN ('Failed', 'Running') AND StartTime >= '2026-05-30T12:00:00.000Z'",
    );
    expect(sinceDate('2026-01-31', now).toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(() => sinceDate('yesterday', now)).toThrow(/--since yesterday: expected a duration/);
    expect(() => runsQuery({ status: ['done'] })).toThrow(/not a run state/);
  });
});

describe('Temporal TLS settings', () => {
  it('are read once from the environment; any TLS file implies TLS', () => {
    expect(readTemporalSecurity({})).toEqual({});
    expect(readTemporalSecurity({ TEMPORAL_TLS: 'true' })).toEqual({ tls: {} });
    expect(readTemporalSecurity({ TEMPORAL_TLS_CA: '/ca.pem', TEMPORAL_TLS_SERVER_NAME: 't' })).toEqual({ tls: { caFile: '/ca.pem', serverName: 't' } });
    expect(readTemporalSecurity({ TEMPORAL_API_KEY: 'k' })).toEqual({ tls: {}, apiKey: 'k' });
    expect(readTemporalSecurity({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' })).toEqual({ apiKey: 'k' });
    expect(() => readTemporalSecurity({ TEMPORAL_TLS_KEY: '/k' })).toThrow(/go together/);
    expect(() => readTemporalSecurity({ TEMPORAL_TLS: 'yes' })).toThrow(/TEMPORAL_TLS must be true or false/);
    expect(() => connectionSecurity({ tls: { caFile: '/nonexistent/ca.pem' } })).toThrow(/TEMPORAL_TLS_CA=\/nonexistent\/ca.pem cannot be read \(ENOENT\)/);
  });
  it('a refused connection names the setting to add', () => {
    expect(connectionHint('invalid peer certificate: UnknownIssuer', { tls: {} })).toMatch(/set TEMPORAL_TLS_CA/);
    expect(connectionHint('certificate verify failed', {})).toMatch(/set TEMPORAL_TLS=true/);
    expect(connectionHint('connect ECONNREFUSED', {})).toMatch(/repairity dev/);
  });
});

describe('step logs', () => {
  it('keeps every line in one file per attempt; an item that logged nothing writes none', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-steplog-'));
    const store = new LocalStore(dir);
    const log = new StepLog(store, { runId: 'r@1', stepId: 's', attempt: 2 });
    for (let i = 0; i < 100; i++) log.record('stderr', `line ${i}`);
    await log.close();
    const text = (await store.read(runKeys.stepLog('r@1', 's', undefined, 2))).toString('utf8');
    expect(text.trim().split('\n')).toHaveLength(100);
    expect(text).toMatch(/^\S+ \[stderr\] line 0\n/);
    const quiet = new StepLog(store, { runId: 'r@1', stepId: 's', itemIndex: 3, attempt: 1 });
    await quiet.close();
    expect(await store.exists(runKeys.stepLog('r@1', 's', 3, 1))).toBe(false);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
