/**
 * What `repairity demo` prints at the end: where the pipeline's time went (each top-level step's
 * wall time; steps overlap where the pipeline runs them side by side) and the one-line summary
 * `demo: pipeline M.M min, base/SFT/SFT+PPO pass@1 A%/B%/C% on N tasks, reward-model accuracy R on P pairs`.
 */
import type { StepProgress } from '../engine/progress.js';

export interface ModelRow {
  model: string;
  tasks: number;
  passAt1: number | null;
  gap?: number | null;
}

/**
 * The report's numbers the summary line needs (report.json: the benchmark table, or the held-out
 * `table` of a run without one, and `training.reward.metrics`).
 */
export interface ReportNumbers {
  table: ModelRow[];
  benchmark?: { label: string; table: ModelRow[] } | null;
  training?: Record<string, { metrics?: Record<string, number> } | undefined>;
}

/** The students' rows: the benchmark table without the teacher's row (the one row with no gap to itself). */
function studentRows(report: ReportNumbers): ModelRow[] {
  const bench = report.benchmark?.table ?? [];
  if (bench.length === 0) return report.table;
  const withGap = bench.filter((r) => typeof r.gap === 'number');
  return withGap.length > 0 ? withGap : bench;
}

export function stepTimes(steps: StepProgress[]): string[] {
  return steps
    .filter((s) => s.startedAt && s.endedAt)
    .map((s) => ({ id: s.id, seconds: (Date.parse(s.endedAt!) - Date.parse(s.startedAt!)) / 1000 }))
    .map(({ id, seconds }) => `  ${id.padEnd(12)} ${seconds >= 60 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(0)} s`}`);
}

const percent = (v: number | null | undefined) => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : 'n/a');

export function demoLine(pipelineMs: number, report: ReportNumbers): string {
  const rows = studentRows(report);
  const passes = rows.map((r) => percent(r.passAt1)).join('/');
  const names = rows.map((r) => r.model).join('/');
  const tasks = rows[0]?.tasks ?? 0;
  const reward = report.training?.reward?.metrics ?? {};
  const accuracy = typeof reward.eval_accuracy === 'number' ? reward.eval_accuracy.toFixed(2) : 'n/a';
  const pairs = typeof reward.eval_pairs === 'number' ? reward.eval_pairs : 0;
  return `demo: pipeline ${(pipelineMs / 60_000).toFixed(1)} min, ${names} pass@1 ${passes} on ${tasks} tasks, reward-model accuracy ${accuracy} on ${pairs} pairs`;
}
