import { describe, expect, it } from 'vitest';
import { corpusBleu, sentenceBleu, tokenize13a } from '../../kinds/eval/bleu.js';
import { compareTasks } from '../../kinds/eval/compare.js';
import { mcnemarExact, meanPassAtK, pairedBootstrap, passAtK } from '../../kinds/eval/estimators.js';
import { createEvalSteps } from '../../kinds/eval/index.js';
import type { TaskResult } from '../../kinds/eval/metrics.js';
import { getRows, putRows, stepContext, tempStore } from './context.js';

describe('pass@k (Chen et al. unbiased estimator)', () => {
  it('matches 1 - C(n-c,k)/C(n,k) on known values', () => {
    expect(passAtK(5, 2, 1)).toBeCloseTo(0.4, 12);
    expect(passAtK(10, 3, 5)).toBeCloseTo(1 - 21 / 252, 12);
    expect(passAtK(200, 10, 100)).toBeCloseTo(0.9992289, 6); // 1 - C(190,100)/C(200,100)
    expect(passAtK(3, 0, 3)).toBe(0);
    expect(passAtK(3, 3, 3)).toBe(1);
    expect(passAtK(3, 1, 3)).toBe(1);
    expect(meanPassAtK([[5, 2], [5, 0]], 1)).toBeCloseTo(0.2, 12);
  });
  it('refuses k above the samples', () => {
    expect(() => passAtK(2, 1, 3)).toThrow(/at least 3 samples/);
  });
});

describe('significance', () => {
  it('McNemar exact matches the two-sided binomial test', () => {
    expect(mcnemarExact(1, 6)).toBeCloseTo(0.125, 12); // 2 * (1 + 7) / 128
    expect(mcnemarExact(0, 10)).toBeCloseTo(2 / 1024, 12);
    expect(mcnemarExact(5, 5)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
  });
  it('paired bootstrap: no difference gives p = 1, a clear one a small p and a CI away from 0', () => {
    const same = pairedBootstrap([1, 0, 1, 0], [1, 0, 1, 0], { seed: 1 });
    expect(same.delta).toBe(0);
    expect(same.pValue).toBe(1);
    const a = Array.from({ length: 60 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    const b = Array.from({ length: 60 }, (_, i) => (i % 5 === 4 ? 0 : 1));
    const r = pairedBootstrap(a, b, { seed: 3, resamples: 1000 });
    expect(r.delta).toBeCloseTo(48 / 60 - 12 / 60, 12);
    expect(r.pValue).toBeLessThan(0.01);
    expect(r.ci95[0]).toBeGreaterThan(0);
    expect(pairedBootstrap(a, b, { seed: 3, resamples: 1000 })).toEqual(r); // seeded
  });
});

describe('BLEU (values printed by sacrebleu 2.4.3 for the same inputs)', () => {
  const cases: Array<[string, string]> = [
    ['def add(a, b):\n    return a + b', 'def add(a, b):\n    return a + b'],
    ['def add(a, b):\n    return a - b', 'def add(a, b):\n    return a + b'],
    ['def f(x): return x*2.5, [1,2]', 'def f(x):\n    return x * 2.5, [1, 2]'],
    ['the cat sat on the mat', 'the cat is on the mat'],
    ['x', 'def long_function_name(arg1, arg2): return arg1 + arg2 if arg1 > 0 else -arg2'],
    ['', 'def f(): pass'],
    ['R = 3\nC = 3\ndef min_cost(cost, m, n): &amp; 1-2 3.5,x a.b', 'R = 3\nC = 3\ndef min_cost(cost, m, n):\n\ttc = [[0 for x in range(C)] for x in range(R)]\n\treturn tc[m][n]'],
  ];
  const sentence = [100.00000000000004, 82.651681837938, 74.16367431893484, 37.99178428257963, 0.0, 0.0, 31.973842104714688];
  it('sentence_bleu', () => {
    cases.forEach(([h, r], i) => expect(sentenceBleu(h, r)).toBeCloseTo(sentence[i]!, 9));
  });
  it('corpus_bleu', () => {
    expect(corpusBleu(cases.map((c) => c[0]), cases.map((c) => c[1]))).toBeCloseTo(38.92861349938975, 9);
    expect(corpusBleu(cases.slice(0, 4).map((c) => c[0]), cases.slice(0, 4).map((c) => c[1]))).toBeCloseTo(80.29125570998981, 9);
  });
  it('13a tokenizer splits punctuation but keeps decimals', () => {
    expect(tokenize13a('f(x)=2.5, y')).toEqual(['f', '(', 'x', ')', '=', '2.5', ',', 'y']);
  });
});

describe('eval.metrics and eval.compare steps', () => {
  it('score verdicts of candidates and compare two models', async () => {
    const { store } = await tempStore();
    const steps = createEvalSteps();
    const ref = 'def f(x):\n    return x + 1';
    // task 1: 3 samples, 2 pass (first passes); task 2: 3 samples, 0 pass, one does not compile
    const candidates = [
      { id: '1', sample_index: 0, fix: ref, reference: ref },
      { id: '1', sample_index: 1, fix: ref, reference: ref },
      { id: '1', sample_index: 2, fix: 'def f(x):\n    return x', reference: ref },
      { id: '2', sample_index: 0, fix: 'def g(:', reference: ref },
      { id: '2', sample_index: 1, fix: 'def f(x):\n    return 0', reference: ref },
      { id: '2', sample_index: 2, fix: 'def f(x):\n    return 0', reference: ref },
    ];
    const statuses = ['passed', 'passed', 'failed', 'error', 'failed', 'failed'];
    const verdicts = statuses.map((status, i) => ({ row: i + 1, id: candidates[i]!.id, status }));
    const ctx = stepContext(store, 'eval');
    const out = await steps['eval.metrics']!({ verdicts: await putRows(store, verdicts), candidates: await putRows(store, candidates), model: 'sft', k: [1, 3] }, ctx);
    expect(out.metrics.tasks).toBe(2);
    expect(out.metrics.samples).toBe(6);
    expect(out.metrics.passAt1).toBeCloseTo((2 / 3 + 0) / 2, 12);
    expect(out.metrics.passAtK['3']).toBeCloseTo(0.5, 12);
    expect(out.metrics.accuracy).toBeCloseTo(2 / 6, 12);
    expect(out.metrics.compilationRate).toBeCloseTo(5 / 6, 12);
    expect(out.metrics.resolvedRate).toBe(0.5);
    expect(out.metrics.bleu).toBeCloseTo(corpusBleu(candidates.map((c) => c.fix), candidates.map((c) => c.reference)), 12);
    const perTask = await getRows<TaskResult>(store, out.perTask);
    expect(perTask.map((t) => [t.id, t.n, t.c, t.resolved])).toEqual([['1', 3, 2, true], ['2', 3, 0, false]]);
    expect(JSON.parse((await store.read(out.metricsUri)).toString())).toEqual(out.metrics);

    const base = await putRows(store, [{ id: '1', n: 1, c: 0, resolved: false, passAt1: 0 }, { id: '2', n: 1, c: 0, resolved: false, passAt1: 0 }]);
    const cmp = await steps['eval.compare']!({ a: base, b: out.perTask, labelA: 'base', labelB: 'sft' }, ctx);
    expect(cmp).toMatchObject({ labelA: 'base', labelB: 'sft', tasks: 2, onlyA: 0, onlyB: 1, mcnemarP: 1 });
    expect(cmp.delta).toBeCloseTo(1 / 3, 12);
  });
  it('refuses verdicts of other rows and models scored on other tasks', async () => {
    const { store } = await tempStore();
    const steps = createEvalSteps();
    const ctx = stepContext(store);
    const candidates = await putRows(store, [{ id: '1', fix: 'x', reference: 'x' }]);
    const verdicts = await putRows(store, [{ row: 1, id: '9', status: 'passed' }]);
    await expect(steps['eval.metrics']!({ verdicts, candidates }, ctx)).rejects.toThrow(/task 1 but its verdict is for task 9/);
    const a = new Map<string, TaskResult>([['1', { id: '1', n: 1, c: 1, resolved: true, passAt1: 1, compiled: 1, bleu: 0 }]]);
    expect(() => compareTasks(a, new Map(), {})).toThrow(/same tasks/);
  });
});
