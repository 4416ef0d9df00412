import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_DEFAULTS,
  compilePipeline,
  compilePipelineFile,
  formatDiagnostics,
  PipelineCompileError,
  planHash,
} from '../../compiler/index.js';
import type { ActivityStep, Plan, PipelineStep } from '../../compiler/index.js';
import { PermanentError } from '../../core/errors.js';
import { testCatalog } from './catalog.js';

const fullFile = fileURLToPath(new URL('./fixtures/good/full.yaml', import.meta.url));

function compileOk(text: string, file = 'inline.yaml'): Plan {
  const result = compilePipeline(text, { file, catalog: testCatalog });
  if (!result.ok) throw new Error(formatDiagnostics(result.diagnostics));
  return result.plan;
}

function fullPlan(): Plan {
  const result = compilePipelineFile(fullFile, { catalog: testCatalog });
  if (!result.ok) throw new Error(formatDiagnostics(result.diagnostics));
  return result.plan;
}

const step = (plan: Plan, id: string) => {
  const s = plan.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}`);
  return s;
};
const activity = (plan: Plan, id: string) => step(plan, id) as ActivityStep;

describe('compilePipeline: a file using every feature', () => {
  it('applies defaults field by field: step, then defaults:, then the kind, then built-ins', () => {
    const plan = fullPlan();
    expect(plan.parallelism).toBe(3);
    expect(plan.budgetUsd).toBe(25);
    const train = activity(plan, 'train');
    expect(train.retry).toEqual({ maximumAttempts: 2, initialIntervalMs: 500, backoffCoefficient: 3, maximumIntervalMs: 120_000, nonRetryableErrorTypes: ['InvalidStepInputError'] });
    expect(train.timeoutMs).toBe(90 * 60_000); // step's own 1h30m beats the kind's 24h
    expect(train.heartbeatTimeoutMs).toBe(120_000); // from the kind
    expect(train.queue).toBe('gpu');
    expect(train.cache).toBe(false);
    expect(train.budgetUsd).toBe(10);
    expect(train.kindVersion).toBe('3');

    const sample = activity(plan, 'sample');
    expect(sample.timeoutMs).toBe(3_600_000); // the kind's 1h
    expect(sample.retry).toEqual({ maximumAttempts: 5, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 120_000, nonRetryableErrorTypes: [] });
    expect(sample.queue).toBe('cpu'); // defaults.queue
    expect(sample.cache).toBe(true);
    expect(sample.continueOnError).toBe(false);
    expect(sample.heartbeatTimeoutMs).toBeUndefined();

    const gate = activity(plan, 'gate');
    expect(gate.timeoutMs).toBe(BUILTIN_DEFAULTS.timeoutMs);
    expect(gate.heartbeatTimeoutMs).toBe(30_000);
    expect(gate.if).toBe("steps.each.outputs.failed == 0 && params.mode == 'balanced'");

    const each = activity(plan, 'each');
    expect(each.forEach).toEqual({ items: '${{ steps.load.outputs.items }}', concurrency: 2 });
    expect(each.continueOnError).toBe(true);
  });

  it('uses the built-in defaults when nothing is said', () => {
    const plan = compileOk('name: tiny\nsteps:\n  a:\n    uses: test.echo\n    forEach: [1, 2]\n    with: { text: "${{ item }}" }\n');
    const a = activity(plan, 'a');
    expect(a.retry).toEqual({ maximumAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 60_000, nonRetryableErrorTypes: [] });
    expect(a.timeoutMs).toBe(600_000);
    expect(a.queue).toBe('claude');
    expect(a.forEach?.concurrency).toBe(8);
    expect(plan.parallelism).toBe(8);
    expect(plan.outputs).toEqual({});
    expect(plan.params).toEqual({});
    expect(plan.apiVersion).toBe('repairity/v1');
  });

  it('accepts x- fields and YAML merge keys for shared step settings', () => {
    const plan = compileOk('name: x\nx-common: &s { uses: test.echo, timeout: 5m }\nsteps:\n  a: { <<: *s }\n  b: { <<: *s, needs: a, timeout: 1 }\n');
    expect(plan.steps.map((s) => [s.id, (s as ActivityStep).uses, (s as ActivityStep).timeoutMs])).toEqual([
      ['a', 'test.echo', 300_000],
      ['b', 'test.echo', 1000],
    ]);
    expect(plan).not.toHaveProperty('x-common');
  });

  it('infers needs from every expression and keeps explicit ones', () => {
    const plan = fullPlan();
    expect(step(plan, 'load').needs).toEqual([]);
    expect(step(plan, 'sample').needs).toEqual(['load']);
    expect(step(plan, 'train').needs).toEqual(['sample']);
    expect(step(plan, 'each').needs).toEqual(['load', 'sample']); // forEach items + explicit
    expect(step(plan, 'gate').needs).toEqual(['each']); // from `if`
    expect(step(plan, 'sub').needs).toEqual(['gate', 'sample']);
  });

  it('sorts steps topologically, keeping file order among independent steps', () => {
    const plan = fullPlan();
    expect(plan.steps.map((s) => s.id)).toEqual(['load', 'sample', 'train', 'each', 'gate', 'sub']);
    const seen = new Set<string>();
    for (const s of plan.steps) {
      for (const n of s.needs) expect(seen.has(n), `${s.id} after ${n}`).toBe(true);
      seen.add(s.id);
    }
    const independent = compileOk('name: x\nsteps:\n  c: { uses: test.echo }\n  a: { uses: test.echo }\n  b: { uses: test.echo }\n');
    expect(independent.steps.map((s) => s.id)).toEqual(['c', 'a', 'b']);
  });

  it('embeds a sub-pipeline plan; its outputs are the child outputs', () => {
    const plan = fullPlan();
    const sub = step(plan, 'sub') as PipelineStep;
    expect(sub.type).toBe('pipeline');
    expect(sub.plan.name).toBe('child');
    expect(Object.keys(sub.plan.outputs)).toEqual(['sampled', 'count']);
    expect(sub.with).toEqual({ dataset: '${{ steps.sample.outputs.dataset }}' });
    expect(plan.outputs.sampled).toBe('${{ steps.sub.outputs.sampled }}');
  });

  it('builds the schedule plan', () => {
    expect(fullPlan().schedule).toEqual({
      cron: ['0 3 * * *', '30 4 * * 1-5'],
      timezone: 'Europe/Paris',
      overlap: 'buffer_one',
      catchupWindowMs: 86_400_000,
      jitterMs: 300_000,
      paused: true,
      note: 'nightly retraining',
      params: { epochs: 2 },
    });
    const plan = compileOk('name: s\nsteps: { a: { uses: test.echo } }\nschedule: { cron: "@daily" }\n');
    expect(plan.schedule).toEqual({ cron: ['@daily'], overlap: 'skip', paused: false, params: {} });
  });

  it('records where each step is and the source hash', () => {
    const text = readFileSync(fullFile, 'utf8');
    const plan = fullPlan();
    expect(plan.source).toEqual({ file: fullFile, sha256: createHash('sha256').update(text).digest('hex') });
    expect(step(plan, 'train').location).toEqual({ file: fullFile, line: 18, column: 3 });
  });

  it('is JSON-serialisable as is', () => {
    const plan = fullPlan();
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});

describe('plan hash', () => {
  it('is stable, is the hash of the plan without itself, and changes with the plan', () => {
    const text = readFileSync(fullFile, 'utf8');
    const a = compileOk(text, fullFile);
    const b = compileOk(text, fullFile);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash);
    expect(planHash(a)).toBe(a.hash);
    // key order of the plan object does not matter (canonical JSON)
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as unknown as Plan;
    expect(Object.keys(reordered)[0]).toBe('hash');
    expect(planHash(reordered)).toBe(a.hash);
    const changed = compileOk(text.replace('parallelism: 3', 'parallelism: 4'), fullFile);
    expect(changed.hash).not.toBe(a.hash);
  });
});

describe('typed wiring on good files', () => {
  it('accepts matching types, including integer into number and forEach items typed by the producer', () => {
    const plan = compileOk(`name: w
params:
  n: { type: integer, default: 1 }
steps:
  load: { uses: test.load, with: { path: x, limit: "\${{ params.n }}" } }
  each:
    uses: test.echo
    forEach: \${{ steps.load.outputs.items }}
    with: { text: "\${{ item.name }}", flag: "\${{ index > 2 }}" }
`);
    expect(plan.steps).toHaveLength(2);
  });

  it('reports item fields of the wrong type when the producer declares them', () => {
    const result = compilePipeline(`name: w
steps:
  load: { uses: test.load, with: { path: x } }
  each:
    uses: test.echo
    forEach: \${{ steps.load.outputs.items }}
    with: { flag: "\${{ item.size }}" }
`, { file: 'w.yaml', catalog: testCatalog });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(formatDiagnostics(result.diagnostics)).toBe('w.yaml:7:19: steps.each.with.flag expects boolean (input of test.echo), but ${{ item.size }} is integer');
  });

  it('warns that a budget on a step whose kind does not pay has no effect', () => {
    const result = compilePipeline('name: w\nsteps:\n  t:\n    uses: test.echo\n    budget: 10\n', { file: 'w.yaml', catalog: testCatalog });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.warnings).toHaveLength(1);
      expect(formatDiagnostics(result.warnings)).toMatch(/^w\.yaml:5:5: .*budget of step "t" has no effect: test\.echo does not pay/);
    }
  });

  it('warns (does not fail) when a number feeds an integer', () => {
    const result = compilePipeline('name: w\nparams: { f: { type: number, default: 1 } }\nsteps:\n  l: { uses: test.load, with: { path: x, limit: "${{ params.f }}" } }\n', { file: 'w.yaml', catalog: testCatalog });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.warnings).toHaveLength(1);
      expect(result.warnings[0]).toMatchObject({ line: 4, column: 49, code: 'type-mismatch' });
    }
  });
});

describe('sub-pipelines through an injected loader', () => {
  const files: Record<string, string> = {
    'root/main.yaml': 'name: main\nsteps:\n  s:\n    pipeline: lib/child.yaml\n    with: { x: 1 }\n  after:\n    uses: test.echo\n    with: { text: "${{ steps.s.outputs.y }} ${{ steps.s.outputs.z }}" }\n',
    'root/lib/child.yaml': 'name: child\nparams: { x: { type: integer } }\nsteps: { a: { uses: test.echo } }\noutputs: { y: "${{ steps.a.outputs.text }}" }\n',
    'root/loop-a.yaml': 'name: a\nsteps: { s: { pipeline: loop-b.yaml } }\n',
    'root/twice.yaml': 'name: t\nsteps:\n  a: { pipeline: broken.yaml }\n  b: { pipeline: broken.yaml }\n',
    'root/broken.yaml': 'name: broken\nsteps: { x: { uses: test.nope } }\n',
    'root/loop-b.yaml': 'name: b\nsteps: { s: { pipeline: loop-a.yaml } }\n',
  };
  const loadPipeline = (rel: string, from: string) => {
    const file = `${from.slice(0, from.lastIndexOf('/') + 1)}${rel}`;
    const text = files[file];
    if (text === undefined) throw new Error(`no file ${file}`);
    return { text, file };
  };

  it('resolves paths relative to the including file and checks child outputs', () => {
    const result = compilePipeline(files['root/main.yaml']!, { file: 'root/main.yaml', catalog: testCatalog, loadPipeline });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(formatDiagnostics(result.diagnostics)).toBe(
        'root/main.yaml:8:49: step "s" (pipeline lib/child.yaml) has no output "z" (its outputs: y)',
      );
    }
  });

  it('reports a broken child once, and each including step', () => {
    const result = compilePipeline(files['root/twice.yaml']!, { file: 'root/twice.yaml', catalog: testCatalog, loadPipeline });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(formatDiagnostics(result.diagnostics)).toBe(
        [
          'root/broken.yaml:2:21: unknown step kind "test.nope" in step "x"; did you mean "test.load"?',
          'root/twice.yaml:3:18: pipeline "broken.yaml" has 1 problem (listed under root/broken.yaml)',
          'root/twice.yaml:4:18: pipeline "broken.yaml" has 1 problem (listed under root/broken.yaml)',
        ].join('\n'),
      );
    }
  });

  it('detects include cycles through several files', () => {
    const result = compilePipeline(files['root/loop-a.yaml']!, { file: 'root/loop-a.yaml', catalog: testCatalog, loadPipeline });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const cycle = result.diagnostics.find((d) => d.code === 'include-cycle');
      expect(cycle).toMatchObject({ file: 'root/loop-b.yaml', line: 2, column: 25 });
      expect(cycle?.message).toContain('loop-a.yaml -> root/loop-b.yaml -> root/loop-a.yaml');
      expect(result.diagnostics.find((d) => d.code === 'pipeline-include')).toMatchObject({ file: 'root/loop-a.yaml', line: 2, column: 25 });
    }
  });
});

describe('diagnostics', () => {
  it('formats as file:line:column: message and travels in a PermanentError', () => {
    const result = compilePipeline('name: x\nsteps:\n  a: { uses: nope.kind }\n  b: { uses: test.echo, needs: c }\n', { file: 'x.yaml', catalog: testCatalog });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatDiagnostics(result.diagnostics)).toBe(
      'x.yaml:3:14: unknown step kind "nope.kind" in step "a"; known kinds: test.echo, test.load, test.sample, test.take, test.train\n' +
        'x.yaml:4:32: step "b" needs unknown step "c"; steps: a, b',
    );
    const err = new PipelineCompileError(result.diagnostics);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.retryable).toBe(false);
    expect(err.name).toBe('PipelineCompileError');
    expect(err.diagnostics).toHaveLength(2);
    expect(err.message).toContain('x.yaml:4:32: step "b" needs unknown step "c"');
  });

  it('reports a missing file as a diagnostic', () => {
    const result = compilePipelineFile('/nonexistent/p.yaml', { catalog: testCatalog });
    expect(result).toMatchObject({ ok: false, diagnostics: [{ file: '/nonexistent/p.yaml', line: 1, column: 1, code: 'pipeline-include' }] });
  });
});
