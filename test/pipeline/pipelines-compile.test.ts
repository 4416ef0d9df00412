/** Every pipeline file of this area compiles, with the paper's defaults where the paper gives them. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindParams, compilePipelineFile } from '../../compiler/index.js';
import { DEMO_PARAMS } from '../../cli/commands/demo.js';
import { TINY_PARAMS } from './tiny-params.js';

const root = path.resolve(import.meta.dirname, '../../pipelines');
const files = ['repairity.yaml', 'nightly.yaml', 'lib/teacher-data.yaml', 'lib/sft.yaml', 'lib/rl.yaml', 'lib/evaluate.yaml', 'ablations/direct-output.yaml', 'ablations/no-filter.yaml', 'ablations/sft-only.yaml', 'ablations/all.yaml'];

describe('pipelines', () => {
  for (const f of files) {
    it(`${f} compiles without warnings`, () => {
      const r = compilePipelineFile(path.join(root, f), { root });
      expect(r.ok ? [] : r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([]);
      if (r.ok) expect(r.warnings.map((w) => w.message)).toEqual([]);
    });
  }
  it("repairity.yaml's defaults are the paper's numbers", () => {
    const r = compilePipelineFile(path.join(root, 'repairity.yaml'));
    if (!r.ok) throw new Error('does not compile');
    const p = bindParams(r.plan, {});
    expect(p).toMatchObject({
      subset_fraction: 0.2, train_fraction: 0.7, val_fraction: 0.15, test_fraction: 0.15,
      lora_rank: 4, lora_alpha: 16, lora_dropout: 0.05,
      k: 3, temperature_min: 0.7, temperature_max: 0.9,
      ppo_clip_eps: 0.2, ppo_kl_beta: 0.1, ppo_epochs: 5,
      filter: true, sft_target: 'trace_fix', student: 'Qwen/Qwen2.5-Coder-32B-Instruct',
    });
    // the demo's and the tests' params are valid params of the pipeline
    expect(() => bindParams(r.plan, { ...DEMO_PARAMS })).not.toThrow();
    expect(() => bindParams(r.plan, { ...TINY_PARAMS })).not.toThrow();
  });
  it('nightly.yaml has a schedule with a skip overlap policy and a catch-up window', () => {
    const r = compilePipelineFile(path.join(root, 'nightly.yaml'));
    if (!r.ok) throw new Error('does not compile');
    expect(r.plan.schedule).toMatchObject({ cron: ['0 2 * * *'], overlap: 'skip', catchupWindowMs: 6 * 3600 * 1000, paused: false });
  });
});
