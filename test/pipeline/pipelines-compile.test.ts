/**
 * Every shipped pipeline compiles without warnings (what `repairity validate` checks); the paper's
 * defaults are checked against docs/repairity-method.md by paper-profile.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindParams, compilePipelineFile } from '../../compiler/index.js';
import { DEMO_PARAMS } from '../../cli/commands/demo.js';
import { TINY_PARAMS } from './tiny-params.js';

const root = path.resolve(import.meta.dirname, '../../pipelines');
const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.yaml')).sort();

describe('pipelines', () => {
  for (const f of files) {
    it(`${f} compiles without warnings`, () => {
      const r = compilePipelineFile(path.join(root, f), { root });
      expect(r.ok ? [] : r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([]);
      if (r.ok) expect(r.warnings.map((w) => w.message)).toEqual([]);
    });
  }
  it('ships the generalization pipeline and the ablations', () => {
    expect(files).toEqual(expect.arrayContaining(['generalization.yaml', 'ablations/all.yaml', 'lib/evaluate-teacher.yaml']));
  });
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
      teacher_model: 'claude-3-7-sonnet-20250219', reward_base: 'codellama/CodeLlama-7b-hf',
      ppo_temperature: 1, eval_temperature: 0.2, mode: 'auto', eval_split: 'auto',
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
