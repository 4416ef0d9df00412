/** benchmarks.export: answers as SWE-bench predictions and as EvalPlus / BigCodeBench samples.jsonl. */
import { describe, expect, it } from 'vitest';
import { createBenchmarkSteps } from '../../kinds/benchmarks/index.js';
import { getRows, putRows, stepContext, tempStore } from './context.js';
import { loadSettings } from '../../worker/settings.js';

describe('benchmarks.export', () => {
  const steps = createBenchmarkSteps({ dataRoot: '.', swebench: loadSettings().swebench });

  it('writes one SWE-bench prediction per instance, and every sample for samples.jsonl', async () => {
    const { store } = await tempStore();
    const ctx = stepContext(store, 'export');
    const swe = await putRows(store, [
      { id: 'psf__requests-1', benchmark: 'swebench', sample_index: 0, fix: 'diff --git a/x b/x\n' },
      { id: 'psf__requests-1', benchmark: 'swebench', sample_index: 1, fix: 'other' },
      { id: 'sympy__sympy-2', benchmark: 'swebench', sample_index: 0 },
    ]);
    const p = await steps['benchmarks.export']!({ dataset: swe, format: 'swebench-predictions', model: 'student-7b' }, ctx);
    expect(await getRows(store, p.dataset)).toEqual([
      { instance_id: 'psf__requests-1', model_name_or_path: 'student-7b', model_patch: 'diff --git a/x b/x\n' },
      { instance_id: 'sympy__sympy-2', model_name_or_path: 'student-7b', model_patch: '' },
    ]);
    const code = await putRows(store, [
      { id: '11', benchmark: 'mbpp', fix: 'def f(): pass' },
      { id: '11', benchmark: 'mbpp', fix: 'def f(): return 1' },
      { id: 'HumanEval/0', benchmark: 'humaneval', fix: 'def g(): pass' },
      { id: 'BigCodeBench/3', benchmark: 'bigcodebench', fix: 'import os\ndef task_func(): pass' },
    ]);
    const s = await steps['benchmarks.export']!({ dataset: code, format: 'samples' }, ctx);
    expect(await getRows(store, s.dataset)).toEqual([
      { task_id: 'Mbpp/11', solution: 'def f(): pass' },
      { task_id: 'Mbpp/11', solution: 'def f(): return 1' },
      { task_id: 'HumanEval/0', solution: 'def g(): pass' },
      { task_id: 'BigCodeBench/3', solution: 'import os\ndef task_func(): pass' },
    ]);
    await expect(steps['benchmarks.export']!({ dataset: swe, format: 'samples' }, ctx)).rejects.toThrow(/swebench-predictions/);
  });
});
