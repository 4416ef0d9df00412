/**
 * The whole Repairity pipeline, paper profile, on real components: the teacher is the local
 * Anthropic-compatible server answering from the MBPP teacher responses, the sandbox is Docker, the
 * store is the shared MinIO (S3), training is the tiny model on CPU (sizes only differ from the
 * paper's settings: tiny-params.ts). The report's numbers are checked against the artifacts they
 * came from: the benchmark table (MBPP's own test split, generation mode, with the teacher's row and
 * the gap), the ablation table (the paper's SFT-only variants) and the held-out table.
 */
import { describe, expect, it } from 'vitest';
import { findReportInStore } from '../../cli/commands/report.js';
import { passAtK } from '../../kinds/eval/estimators.js';
import type { Metrics, TaskResult } from '../../kinds/eval/metrics.js';
import { getRows } from './context.js';
import { expectReportMatchesArtifacts, type ReportJson, runRepairity } from './repairity-run.js';
import { usePipelineEngine } from './services.js';
import { TINY_PARAMS } from './tiny-params.js';

describe('pipelines/repairity.yaml end to end', () => {
  const services = usePipelineEngine();

  it('runs every stage and reports the numbers of its artifacts', async () => {
    const { workflowId, out } = await runRepairity(services.engine, { ...TINY_PARAMS }, 'tiny');
    const report = (await expectReportMatchesArtifacts(services.store, out)) as ReportJson & {
      benchmark: { label: string; table: Array<Record<string, number | string | null>> };
      ablationTable: Array<Record<string, number | string | null>>;
    };
    // the paper's protocol: the benchmark's own test tasks, in generation mode, the teacher's row, the gap
    const benchTasks = await getRows<Record<string, unknown>>(services.store, String(out.bench_tasks));
    expect(benchTasks).toHaveLength(TINY_PARAMS.eval_limit);
    for (const t of benchTasks) {
      expect(t.split).toBe('test');
      expect(t.buggy).toBe('');
      expect(String(t.prompt)).not.toMatch(/bug/i);
    }
    const trained = new Set((await getRows<{ id: string }>(services.store, String(out.tasks))).map((t) => t.id));
    expect(benchTasks.filter((t) => trained.has(String(t.id)))).toEqual([]);
    expect(report.benchmark.label).toBe('mbpp, test split');
    const bench = report.benchmark.table;
    expect(bench.map((r) => r.model)).toEqual(['base', 'SFT', 'SFT+PPO', 'Claude (teacher)']);
    const teacher = bench[3]!;
    const teacherPerTask = await getRows<TaskResult>(services.store, String(out.bench_teacher_per_task));
    expect(teacher.tasks).toBe(teacherPerTask.length);
    expect(teacher.passAt1).toBeCloseTo(teacherPerTask.reduce((s, t) => s + passAtK(t.n, t.c, 1), 0) / teacherPerTask.length, 12);
    expect(teacher.passAt1).toBeGreaterThan(0);
    for (const row of bench.slice(0, 3)) {
      expect(row.tasks).toBe(benchTasks.length);
      expect(row.gap).toBeCloseTo(Number(teacher.passAt1) - Number(row.passAt1), 12);
    }
    const baseGap = Number(bench[0]!.gap);
    expect(bench[2]!.gapClosed).toBe(baseGap === 0 ? null : (baseGap - Number(bench[2]!.gap)) / baseGap);
    const ppoPerTask = await getRows<TaskResult>(services.store, String(out.bench_ppo_per_task));
    expect(bench[2]!.passAt1).toBeCloseTo(ppoPerTask.reduce((s, t) => s + passAtK(t.n, t.c, 1), 0) / ppoPerTask.length, 12);
    // the paper's ablations: SFT-only variants, on the same benchmark tasks
    expect(report.ablationTable.map((r) => r.model)).toEqual(['full method (SFT+PPO)', 'SFT only (no RL)', 'direct-output SFT (no traces)', 'no-filter SFT (unverified answers)']);
    for (const [i, key] of ['bench_ppo', 'bench_sft', 'bench_direct', 'bench_no_filter'].entries()) {
      expect(report.ablationTable[i]!.passAt1).toBe((out[key] as Metrics).passAt1);
      expect(report.ablationTable[i]!.tasks).toBe(benchTasks.length);
    }
    // the teacher is the paper's model; in generation mode its prompt speaks of no buggy program;
    // the judge gets the comparison prompt; the teacher is evaluated at the paper's temperature 0.2
    const requests = services.teacher.received;
    const system = (r: (typeof requests)[number]) => (typeof r.system === 'string' ? r.system : JSON.stringify(r.system ?? ''));
    expect(new Set(requests.map((r) => r.model))).toEqual(new Set(['claude-3-7-sonnet-20250219']));
    const judged = requests.filter((r) => r.tools?.some((t) => t.name === 'record_judgement'));
    const answered = requests.filter((r) => !r.tools?.length);
    expect(judged.length).toBeGreaterThan(0);
    expect(answered.length).toBeGreaterThan(0);
    for (const r of answered) {
      expect(system(r)).toMatch(/^You are an expert software engineer who teaches programming\. You are given a task and the/);
      expect(system(r)).not.toMatch(/bug/i);
    }
    for (const r of judged) expect(system(r)).toMatch(/^You are a senior engineer comparing candidate solutions/);
    expect(answered.filter((r) => r.temperature === 0.2)).toHaveLength(benchTasks.length);
    // `repairity report <run>` finds it in the store by the run's workflow id
    const found = await findReportInStore(services.store, workflowId);
    expect(found?.html).toBe(`${String(out.report_location)}report.html`);
    expect((await services.store.read(found!.html)).toString()).toBe((await services.store.read(String(out.report))).toString());
    const html = (await services.store.read(String(out.report))).toString();
    expect(html).toContain('SFT+PPO');
    expect(html).toContain('Results on mbpp, test split');
    expect(html).toContain('gap to teacher');
    expect(html).toContain('Results on the held-out split');
    expect(html).not.toMatch(/<script|src="http/);
  }, 1_200_000);
});
