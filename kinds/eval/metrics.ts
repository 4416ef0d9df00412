/** `eval.metrics`: scores sandbox verdicts of candidate fixes (see specs.ts for the definitions). */
import { PermanentError } from '../../core/errors.js';
import { readRecords, writeRecords } from '../data/records.js';
import { corpusBleu, sentenceBleu } from './bleu.js';
import { passAtK } from './estimators.js';
import type { InputOf, KindImpl } from '../define.js';
import type { metricsSpec } from './specs.js';

export type MetricsInput = InputOf<typeof metricsSpec>;

export interface Metrics {
  model: string;
  tasks: number;
  samples: number;
  passAt1: number | null;
  passAtK: Record<string, number>;
  accuracy: number;
  compilationRate: number;
  bleu: number;
  resolvedRate: number;
}

export interface TaskResult {
  id: string;
  n: number;
  c: number;
  resolved: boolean;
  passAt1: number;
  compiled: number;
  bleu: number;
}

interface Sample {
  id: string;
  sample: number;
  passed: boolean;
  compiled: boolean;
  candidate: string;
  reference: string;
}

/** Statuses that mean the candidate did not even compile (or the patch did not apply). */
const NOT_COMPILED = new Set(['error']);

export function scoreSamples(samples: readonly Sample[], model: string, ks: readonly number[]): { metrics: Metrics; perTask: TaskResult[] } {
  const byTask = new Map<string, Sample[]>();
  for (const s of samples) {
    const list = byTask.get(s.id) ?? [];
    list.push(s);
    byTask.set(s.id, list);
  }
  const perTask: TaskResult[] = [];
  for (const [id, list] of byTask) {
    const n = list.length;
    const c = list.filter((s) => s.passed).length;
    const first = list.reduce((a, b) => (b.sample < a.sample ? b : a));
    perTask.push({
      id,
      n,
      c,
      resolved: first.passed,
      passAt1: passAtK(n, c, 1),
      compiled: list.filter((s) => s.compiled).length / n,
      bleu: list.reduce((sum, s) => sum + sentenceBleu(s.candidate, s.reference), 0) / n,
    });
  }
  const minN = perTask.length > 0 ? Math.min(...perTask.map((t) => t.n)) : 0;
  const passAtKs: Record<string, number> = {};
  for (const k of [...new Set([1, ...ks])].sort((a, b) => a - b)) {
    if (k > minN) continue;
    passAtKs[String(k)] = perTask.reduce((sum, t) => sum + passAtK(t.n, t.c, k), 0) / perTask.length;
  }
  const rate = (count: number, of: number) => (of === 0 ? 0 : count / of);
  return {
    metrics: {
      model,
      tasks: perTask.length,
      samples: samples.length,
      passAt1: passAtKs['1'] ?? null,
      passAtK: passAtKs,
      accuracy: rate(samples.filter((s) => s.passed).length, samples.length),
      compilationRate: rate(samples.filter((s) => s.compiled).length, samples.length),
      bleu: samples.length === 0 ? 0 : corpusBleu(samples.map((s) => s.candidate), samples.map((s) => s.reference)),
      resolvedRate: rate(perTask.filter((t) => t.resolved).length, perTask.length),
    },
    perTask,
  };
}

const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

export const evalMetrics: KindImpl<typeof metricsSpec> = async (input, ctx) => {
  const idField = input.idField ?? 'id';
  const candidateField = input.candidateField ?? 'fix';
  const referenceField = input.referenceField ?? 'reference';
  const sampleField = input.sampleField ?? 'sample_index';
  const verdicts: Array<Record<string, unknown>> = [];
  for await (const v of readRecords(ctx.store, input.verdicts)) verdicts.push(v as Record<string, unknown>);
  const samples: Sample[] = [];
  let i = 0;
  for await (const raw of readRecords(ctx.store, input.candidates)) {
    const row = raw as Record<string, unknown>;
    const v = verdicts[i];
    if (!v) throw new PermanentError(`eval.metrics: ${input.candidates} has more rows than ${input.verdicts} has verdicts (${verdicts.length}); give the verdicts of sandbox.run on these very rows`, { step: ctx.stepId });
    const id = text(row[idField]);
    if (v.id !== undefined && String(v.id) !== id) {
      throw new PermanentError(`eval.metrics: row ${i + 1} is task ${id} but its verdict is for task ${String(v.id)}; the verdicts must be in candidate order`, { step: ctx.stepId });
    }
    const status = String(v.status);
    samples.push({ id, sample: Number(row[sampleField] ?? 0), passed: status === 'passed', compiled: !NOT_COMPILED.has(status), candidate: text(row[candidateField]), reference: text(row[referenceField]) });
    i++;
  }
  if (i !== verdicts.length) throw new PermanentError(`eval.metrics: ${verdicts.length} verdicts for ${i} candidates`, { step: ctx.stepId });
  const { metrics, perTask } = scoreSamples(samples, input.model ?? 'model', input.k ?? [1]);
  const meta = { run: ctx.runId, step: ctx.stepId };
  const written = await writeRecords(ctx.store, perTask, meta);
  const metricsRef = await ctx.store.putContent(JSON.stringify(metrics, null, 2), { mediaType: 'application/json', ...meta });
  return { metrics, perTask: written.ref.uri, metricsUri: metricsRef.uri };
};
