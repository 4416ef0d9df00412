/**
 * What `repairity demo` prints at the end: where the time went (make's set-up steps, starting the
 * services, and each top-level step's wall time; steps overlap where the pipeline runs them side
 * by side) and the one-line summary
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

const duration = (seconds: number): string => (seconds >= 60 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(0)} s`);

/** Each step that ran (not the skipped ones), with its wall time. */
export function stepTimes(steps: StepProgress[]): string[] {
  const ran = steps.filter((s) => s.startedAt && s.endedAt && s.state !== 'skipped');
  const width = Math.max(12, ...ran.map((s) => s.id.length));
  return ran.map((s) => `  ${s.id.padEnd(width)} ${duration((Date.parse(s.endedAt!) - Date.parse(s.startedAt!)) / 1000)}`);
}

/** A set-up step `make` ran before the demo, and how long it took. */
export interface SetupStep {
  label: string;
  seconds: number;
}

/** make's set-up log (scripts/setup-time.sh: a label, a tab and seconds per line); other lines are skipped. */
export function parseSetupLog(text: string): SetupStep[] {
  return text.split('\n').flatMap((line) => {
    const [label, seconds, ...rest] = line.split('\t');
    const s = Number(seconds);
    return label && rest.length === 0 && seconds !== undefined && seconds.trim() !== '' && Number.isFinite(s) && s >= 0 ? [{ label, seconds: s }] : [];
  });
}

export interface DemoTimes {
  /** make's set-up steps; absent when the demo did not run under make. */
  setup?: SetupStep[];
  /** Starting the dev server, workers and teacher, and reading the results. */
  servicesMs: number;
  pipelineMs: number;
  steps: StepProgress[];
}

/** Where the demo's time went: set-up (longest step first), the services, the pipeline by step. */
export function timeLines(t: DemoTimes): string[] {
  const setupS = (t.setup ?? []).reduce((sum, s) => sum + s.seconds, 0);
  const total = setupS + (t.servicesMs + t.pipelineMs) / 1000;
  const lines = [`where the time went: ${duration(total)} in all`];
  if (t.setup) {
    const long = [...t.setup].filter((s) => s.seconds >= 1).sort((a, b) => b.seconds - a.seconds);
    const width = Math.max(0, ...long.map((s) => s.label.length));
    lines.push(`  set-up (make)   ${duration(setupS)}${long.length === 0 ? ' (everything was built before)' : ''}`);
    for (const s of long) lines.push(`    ${s.label.padEnd(width)}  ${duration(s.seconds)}`);
    const short = t.setup.length - long.length;
    if (long.length > 0 && short > 0) lines.push(`    (${short} more, under a second each)`);
  }
  lines.push(`  services        ${duration(t.servicesMs / 1000)} (Temporal dev server, workers, teacher; reading the results)`);
  lines.push(`  pipeline        ${duration(t.pipelineMs / 1000)} (wall time per step; some run side by side)`);
  for (const line of stepTimes(t.steps)) lines.push(`  ${line}`);
  return lines;
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
