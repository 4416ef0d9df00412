/**
 * The report's content as plain data (every number shown), from the step's input; the Markdown
 * and HTML renderers only format it.
 */
import type { ArtifactStore } from '../../store/types.js';
import { readRecords } from '../data/records.js';
import { gapToTeacher } from '../eval/gap.js';
import type { Metrics } from '../eval/metrics.js';
import type { Series } from './svg.js';
import type { InputOf } from '../define.js';
import type { buildSpec } from './specs.js';

export interface TrainingStage {
  metrics?: Record<string, number>;
  history?: string | Array<Record<string, number>>;
  [k: string]: unknown;
}

export type ReportInput = InputOf<typeof buildSpec>;

export interface Column {
  key: string;
  label: string;
  value: (m: Metrics) => number | null;
  percent: boolean;
}

export function columns(models: Metrics[]): Column[] {
  const ks = [...new Set(models.flatMap((m) => Object.keys(m.passAtK)))].map(Number).filter((k) => k !== 1).sort((a, b) => a - b);
  return [
    { key: 'passAt1', label: 'pass@1', value: (m) => m.passAt1, percent: true },
    ...ks.map((k) => ({ key: `passAt${k}`, label: `pass@${k}`, value: (m: Metrics) => m.passAtK[String(k)] ?? null, percent: true })),
    { key: 'accuracy', label: 'accuracy', value: (m) => m.accuracy, percent: true },
    { key: 'compilationRate', label: 'compilation rate', value: (m) => m.compilationRate, percent: true },
    { key: 'bleu', label: 'BLEU', value: (m) => m.bleu, percent: false },
    { key: 'resolvedRate', label: 'resolved rate', value: (m) => m.resolvedRate, percent: true },
  ];
}

export interface Curve {
  title: string;
  /** What the x axis counts: optimizer steps (SFT, reward model) or PPO iterations. */
  xLabel: string;
  series: Series[];
  /** True when only the final value was available (no per-iteration history). */
  finalOnly: boolean;
}

export interface ReportContent {
  title: string;
  pipeline?: string;
  runId: string;
  createdAt: string;
  params?: Record<string, unknown>;
  models: Metrics[];
  columns: Array<{ key: string; label: string; percent: boolean }>;
  table: Array<Record<string, number | null | string>>;
  /** The paper's protocol: the models and the teacher on the benchmark's own tasks, with the gap (Eq. 2). */
  benchmark: { label: string; table: Array<Record<string, number | null | string>> } | null;
  comparisons: Array<Record<string, unknown>>;
  ablations: Array<{ variant: string; metrics: Metrics }>;
  ablationTable: Array<Record<string, number | null | string>>;
  training: Record<string, { metrics: Record<string, number>; history: Array<Record<string, number>> }>;
  curves: Curve[];
  data: Record<string, number | null>;
}

async function historyOf(store: ArtifactStore, stage: TrainingStage): Promise<Array<Record<string, number>>> {
  if (Array.isArray(stage.history)) return stage.history;
  if (typeof stage.history === 'string') {
    const out: Array<Record<string, number>> = [];
    for await (const r of readRecords(store, stage.history)) out.push(r as Record<string, number>);
    return out;
  }
  return [];
}

function curve(title: string, xLabel: string, stages: Array<[string, Array<Record<string, number>>, Record<string, number>, string]>): Curve {
  const series: Series[] = [];
  let finalOnly = false;
  for (const [name, history, last, metric] of stages) {
    let points = history.filter((h) => typeof h[metric] === 'number').map((h, i) => ({ x: typeof h.step === 'number' ? h.step : i + 1, y: h[metric]! }));
    if (points.length === 0 && typeof last[metric] === 'number') {
      points = [{ x: 1, y: last[metric]! }];
      finalOnly = true;
    }
    if (points.length > 0) series.push({ name, points });
  }
  return { title, xLabel, series, finalOnly };
}

/** The held-out accuracy's name, with its number of pairs when the reward step reported it. */
const heldOut = (metrics: Record<string, number>) => (typeof metrics.eval_pairs === 'number' ? `held-out, ${metrics.eval_pairs} pairs` : 'held-out');

const row = (label: string, m: Metrics, cols: Column[]) => ({ model: label, tasks: m.tasks, ...Object.fromEntries(cols.map((c) => [c.key, c.value(m)])) });

/** Rows of the benchmark table: each model's metrics, its gap to the teacher and the share of the base model's gap closed. */
function benchmarkTable(models: Metrics[], teacher: Metrics | null, cols: Column[]): ReportContent['table'] {
  const gaps = gapToTeacher(models, teacher);
  return models.map((m, i) => ({ ...row(m.model, m, cols), gap: m === teacher ? null : gaps[i]!.gap, gapClosed: m === teacher ? null : gaps[i]!.closed }));
}

function isMetrics(m: unknown): m is Metrics {
  return m !== null && m !== undefined && typeof m === 'object';
}

export async function buildContent(store: ArtifactStore, input: ReportInput, runId: string, now: Date): Promise<ReportContent> {
  const bench = input.benchmark;
  // A skipped evaluation step (its `if` was false) leaves null in its place.
  const models = input.models.filter(isMetrics);
  const benchModels = bench ? [...bench.models, ...(bench.teacher ? [bench.teacher] : [])].filter(isMetrics) : [];
  const variants = (input.ablations ?? []).filter((a): a is { variant: string; metrics: Metrics } => isMetrics(a?.metrics));
  // Without a variant of its own (the ablation steps skipped), the table would only repeat benchmark rows.
  const inBench = new Set(benchModels.map((m) => JSON.stringify(m)));
  const ablations = variants.some((a) => !inBench.has(JSON.stringify(a.metrics))) ? variants : [];
  const cols = columns([...models, ...benchModels, ...ablations.map((a) => a.metrics)]);
  const training: ReportContent['training'] = {};
  for (const [name, entry] of Object.entries(input.training ?? {})) {
    const stage = entry as TrainingStage | null | undefined;
    if (!stage) continue;
    training[name] = { metrics: (stage.metrics ?? {}) as Record<string, number>, history: await historyOf(store, stage) };
  }
  const t = (name: string): [Array<Record<string, number>>, Record<string, number>] => [training[name]?.history ?? [], training[name]?.metrics ?? {}];
  const curves = [
    curve('SFT loss', 'step', [['sft', ...t('sft'), 'loss']]),
    curve('Reward-model accuracy', 'step', [
      ['train', ...t('reward'), 'accuracy'],
      [heldOut(t('reward')[1]), ...t('reward'), 'eval_accuracy'],
      ['held-out before', ...t('reward'), 'eval_accuracy_before'],
    ]),
    curve('PPO reward', 'iteration', [['mean reward', ...t('ppo'), 'mean_reward']]),
    curve('PPO KL to the SFT policy', 'iteration', [['KL', ...t('ppo'), 'kl']]),
  ];
  return {
    title: input.title ?? 'Repairity run',
    ...(input.pipeline ? { pipeline: input.pipeline } : {}),
    runId,
    createdAt: now.toISOString(),
    ...(input.params ? { params: input.params } : {}),
    models,
    columns: cols.map(({ key, label, percent }) => ({ key, label, percent })),
    table: models.map((m) => row(m.model, m, cols)),
    benchmark: bench ? { label: bench.label, table: benchmarkTable(benchModels, bench.teacher ?? null, cols) } : null,
    comparisons: (input.comparisons ?? []).filter((c): c is Record<string, unknown> => c !== null && c !== undefined),
    ablations,
    ablationTable: ablations.map((a) => row(a.variant, a.metrics, cols)),
    training,
    curves,
    data: input.data ?? {},
  };
}
