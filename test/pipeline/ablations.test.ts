/**
 * pipelines/ablations/all.yaml: the full method and its three ablations (direct-output SFT, no
 * correctness filter, SFT only) through sub-pipelines, with one report holding the ablation table.
 * Tiny settings on 24 MBPP tasks (fewer leave an empty test split); the variants share memoised steps.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipelineFile } from '../../compiler/index.js';
import { repoRoot, usePipelineEngine } from './services.js';
import { TINY_PARAMS } from './tiny-params.js';

describe('pipelines/ablations/all.yaml', () => {
  const services = usePipelineEngine();

  it('runs the four variants and reports the ablation table', async () => {
    const compiled = compilePipelineFile(path.join(repoRoot, 'pipelines/ablations/all.yaml'), { root: path.join(repoRoot, 'pipelines') });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
    const { reward_epochs: _r, ...params } = TINY_PARAMS; // all.yaml exposes no reward_epochs
    const handle = await services.engine.start(compiled.plan, { ...params, ppo_iterations: 1 });
    const summary = (await handle.result()) as { outputs: Record<string, unknown> };
    const location = String(summary.outputs.report_location);
    const report = JSON.parse((await services.store.read(`${location}report.json`)).toString()) as { ablationTable: Array<Record<string, unknown>>; table: Array<Record<string, unknown>> };
    expect(report.ablationTable.map((r) => r.model)).toEqual(['full method (SFT+PPO)', 'direct-output SFT', 'no correctness filter', 'SFT only (no RL)']);
    expect(report.table.map((r) => r.model)).toEqual(['base', 'SFT', 'SFT+PPO']);
    for (const row of report.ablationTable) expect(typeof row.passAt1).toBe('number');
    // the full method's row is the SFT+PPO row of the results table
    expect(report.ablationTable[0]).toMatchObject({ ...report.table[2], model: 'full method (SFT+PPO)' });
    expect((await services.store.read(`${location}report.md`)).toString()).toContain('## Ablations');
  }, 1_500_000);
});
