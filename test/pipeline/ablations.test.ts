/**
 * pipelines/ablations/all.yaml: the full method with the paper's SFT-only ablations (SFT only,
 * direct-output SFT, no-filter SFT) and the two RL-on variants as extra rows, through
 * sub-pipelines, with one report holding the ablation table. Tiny settings on 24 MBPP tasks (fewer
 * leave an empty test split); the variants share memoised steps.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipelineFile } from '../../compiler/index.js';
import { repoRoot, usePipelineEngine } from './services.js';
import { TINY_PARAMS } from './tiny-params.js';

describe('pipelines/ablations/all.yaml', () => {
  const services = usePipelineEngine();

  it('runs the variants and reports the ablation table', async () => {
    const compiled = compilePipelineFile(path.join(repoRoot, 'pipelines/ablations/all.yaml'), { root: path.join(repoRoot, 'pipelines') });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
    const handle = await services.engine.start(compiled.plan, { ...TINY_PARAMS, ppo_iterations: 1 });
    const summary = (await handle.result()) as { outputs: Record<string, unknown> };
    const location = String(summary.outputs.report_location);
    const report = JSON.parse((await services.store.read(`${location}report.json`)).toString()) as {
      ablationTable: Array<Record<string, unknown>>;
      table: Array<Record<string, unknown>>;
      benchmark: { table: Array<Record<string, unknown>> };
    };
    expect(report.ablationTable.map((r) => r.model)).toEqual([
      'full method (SFT+PPO)',
      'SFT only (no RL)',
      'direct-output SFT (no traces)',
      'no-filter SFT (unverified answers)',
      'extra: direct-output SFT + PPO',
      'extra: no-filter SFT + PPO',
    ]);
    expect(report.table.map((r) => r.model)).toEqual(['base', 'SFT', 'SFT+PPO']);
    for (const row of report.ablationTable) {
      expect(typeof row.passAt1).toBe('number');
      expect(row.tasks).toBe(TINY_PARAMS.eval_limit);
    }
    // the full method's and SFT-only rows are the SFT+PPO and SFT rows of the benchmark table
    const { gap: _g, gapClosed: _c, ...ppoRow } = report.benchmark.table[2]!;
    expect(report.ablationTable[0]).toEqual({ ...ppoRow, model: 'full method (SFT+PPO)' });
    expect(report.ablationTable[1]!.passAt1).toBe(report.benchmark.table[1]!.passAt1);
    const md = (await services.store.read(`${location}report.md`)).toString();
    expect(md).toContain('## Ablations');
    console.log(md.slice(md.indexOf('## Results on'), md.indexOf('## Training')));
  }, 3_000_000);
});
