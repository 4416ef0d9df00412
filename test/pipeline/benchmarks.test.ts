/**
 * Benchmark loaders: each format's task records are judged by the real sandbox (Docker): the
 * reference fix passes, the buggy program does not. MBPP is the shipped file; the other
 * benchmarks use small instances made here (SWE-bench's real-schema instances: test/swebench/).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBenchmarkSteps } from '../../kinds/benchmarks/index.js';
import { mutate } from '../../kinds/benchmarks/mutate.js';
import { extractCode } from '../../kinds/benchmarks/prompts.js';
import { createSandboxProvider, createSandboxSteps, type SandboxProvider } from '../../kinds/sandbox/index.js';
import type { StepImpl } from '../../engine/kind.js';
import type { ArtifactStore } from '../../store/types.js';
import { ensureImages, testDocker } from '../sandbox/helpers.js';
import { getRows, putRows, stepContext, tempStore } from './context.js';
import { loadSettings } from '../../worker/settings.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

describe('mutations and code extraction', () => {
  it('mutate is seeded, changes the code, and names its kind', () => {
    const code = 'def f(xs):\n    total = 0\n    for i in range(len(xs)):\n        if xs[i] > 0:\n            total = total + xs[i]\n    return total';
    const a = mutate(code, 1)!;
    expect(a).toEqual(mutate(code, 1));
    expect(a.code).not.toBe(code);
    expect(['comparison', 'arithmetic', 'off-by-one', 'constant', 'boolean', 'builtin', 'index', 'return-value']).toContain(a.kind);
    const kinds = new Set(Array.from({ length: 40 }, (_, s) => mutate(code, s)!.kind));
    expect(kinds.size).toBeGreaterThan(2);
    expect(mutate('def f():\n    pass', 0)).toBeUndefined();
    expect(mutate('def f(a,b):\n    return a+b', 0)?.code).toBe('def f(a,b):\n    return a-b');
    expect(mutate("def f():\n    x = 'a < b'", 0)).toBeUndefined(); // inside a string
  });
  it('extractCode takes the last block in the language, else code-looking text', () => {
    expect(extractCode('## Analysis\nx\n```python\ndef a(): pass\n```\n```python\ndef b(): pass\n```')).toBe('def b(): pass');
    expect(extractCode('```java\nclass A {}\n```', 'java')).toBe('class A {}');
    expect(extractCode('some words\ndef f(x):\n    return x\n')).toBe('def f(x):\n    return x');
    expect(extractCode('garbage')).toBe('garbage');
  });
});

describe('benchmarks.* steps with the real sandbox', () => {
  let provider: SandboxProvider;
  let store: ArtifactStore;
  let steps: Record<string, StepImpl>;
  let sandbox: StepImpl;
  let dir: string;

  beforeAll(async () => {
    const docker = testDocker();
    await ensureImages(docker, ['python', 'java', 'bigcodebench']);
    provider = createSandboxProvider({ docker, poolSize: 2, warn: () => undefined });
    ({ store, dir } = await tempStore());
    steps = createBenchmarkSteps({ dataRoot: repoRoot, swebench: loadSettings().swebench });
    sandbox = createSandboxSteps({ sandbox: provider })['sandbox.run']!;
  }, 600_000);
  afterAll(async () => {
    await provider?.close();
  });

  const ctx = () => stepContext(store, 'bench');
  async function judge(dataset: string, field: string): Promise<string[]> {
    const out = await sandbox({ tasks: dataset, solutionField: field }, ctx());
    return (await getRows<{ status: string }>(store, out.verdicts)).map((v) => v.status);
  }

  it('MBPP: standard splits by task_id, repair tasks whose reference passes and whose mutant fails (mostly)', async () => {
    const load = steps['benchmarks.load']!;
    const counts: Record<string, number> = {};
    for (const split of ['prompt', 'test', 'validation', 'train'] as const) {
      counts[split] = (await load({ benchmark: 'mbpp', path: 'data/mbpp/mbpp.jsonl', split, mode: 'generate' }, ctx())).count;
    }
    expect(counts).toEqual({ prompt: 10, test: 500, validation: 90, train: 374 });
    const repair = await load({ benchmark: 'mbpp', path: 'data/mbpp/mbpp.jsonl', split: 'validation', seed: 3 }, ctx());
    expect(repair.count + repair.unmutable).toBe(90);
    expect(repair.count).toBeGreaterThan(80);
    const rows = await getRows(store, repair.dataset);
    const again = await getRows(store, (await load({ benchmark: 'mbpp', path: 'data/mbpp/mbpp.jsonl', split: 'validation', seed: 3 }, ctx())).dataset);
    expect(again).toEqual(rows); // seeded
    for (const r of rows) {
      expect(Number(r.id)).toBeGreaterThanOrEqual(511);
      expect(r.buggy).not.toBe(r.reference);
      expect(String(r.prompt)).toContain(String(r.statement).trim());
      expect(String(r.prompt)).toContain(String(r.buggy).trimEnd());
    }
    const sample = await putRows(store, rows.slice(0, 40));
    expect(await judge(sample, 'reference')).toEqual(Array(40).fill('passed'));
    const buggy = await judge(sample, 'buggy');
    const failing = buggy.filter((s) => s !== 'passed').length;
    console.log(`MBPP validation, first 40 mutants: ${failing} fail their tests, ${40 - failing} are equivalent`);
    expect(failing).toBeGreaterThanOrEqual(28); // measured: 31 of 40 (seed 3)
    // benchmarks.select keeps the tasks whose buggy program fails
    const verdicts = (await sandbox({ tasks: sample, solutionField: 'buggy' }, ctx())).verdicts;
    const kept = await steps['benchmarks.select']!({ dataset: sample, verdicts, status: 'passed', negate: true }, ctx());
    expect(kept.count).toBe(failing);
  });

  it('HumanEval-style rows', async () => {
    const file = path.join(dir, 'humaneval.jsonl');
    const row = {
      task_id: 'HumanEval/0',
      prompt: 'def add(a, b):\n    """Add two numbers."""\n',
      canonical_solution: '    return a + b\n',
      test: 'def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n',
      entry_point: 'add',
    };
    await fs.writeFile(file, JSON.stringify(row) + '\n');
    const out = await steps['benchmarks.load']!({ benchmark: 'humaneval', path: file }, ctx());
    const [task] = await getRows(store, out.dataset);
    expect(task).toMatchObject({ id: 'HumanEval/0', format: 'python-asserts', benchmark: 'humaneval' });
    expect(await judge(out.dataset, 'reference')).toEqual(['passed']);
    expect(await judge(out.dataset, 'buggy')).toEqual(['failed']);
  });

  it('BigCodeBench rows (unittest TestCases run by pytest in the bigcodebench image), both splits', async () => {
    const file = path.join(dir, 'bcb.jsonl');
    const row = {
      task_id: 'BigCodeBench/1',
      complete_prompt: 'import collections\ndef task_func(words):\n    """Count words; return the most common."""\n',
      instruct_prompt: 'Count the words in a list and return the most common one.',
      code_prompt: 'import collections\ndef task_func(words):\n',
      canonical_solution: '    counts = collections.Counter(words)\n    return counts.most_common(1)[0][0]\n',
      test: 'import unittest\nclass TestCases(unittest.TestCase):\n    def test_basic(self):\n        self.assertEqual(task_func(["a", "b", "a"]), "a")\n    def test_one(self):\n        self.assertEqual(task_func(["z"]), "z")\n',
      entry_point: 'task_func',
      libs: "['collections']",
    };
    await fs.writeFile(file, JSON.stringify(row) + '\n');
    const out = await steps['benchmarks.load']!({ benchmark: 'bigcodebench', path: file, seed: 1 }, ctx());
    const [task] = await getRows(store, out.dataset);
    expect(task).toMatchObject({ format: 'pytest', family: 'bigcodebench', solutionPath: 'solution.py', libs: ['collections'], entry_point: 'task_func', split: 'instruct', statement: row.instruct_prompt });
    const complete = await steps['benchmarks.load']!({ benchmark: 'bigcodebench', path: file, split: 'complete', mode: 'generate' }, ctx());
    expect((await getRows(store, complete.dataset))[0]).toMatchObject({ split: 'complete', statement: row.complete_prompt, buggy: '' });
    expect(await judge(out.dataset, 'reference')).toEqual(['passed']);
    expect(await judge(out.dataset, 'buggy')).not.toEqual(['passed']);
  });

  it('Defects4J-style Java task (javac + JUnit 4)', async () => {
    const buggy = 'package demo;\npublic class MathUtil {\n  public static int max(int a, int b) { return a < b ? a : b; }\n}\n';
    const fixed = 'package demo;\npublic class MathUtil {\n  public static int max(int a, int b) { return a > b ? a : b; }\n}\n';
    const test = 'package demo;\nimport org.junit.Test;\nimport static org.junit.Assert.assertEquals;\npublic class MathUtilTest {\n  @Test public void max() { assertEquals(5, MathUtil.max(2, 5)); assertEquals(5, MathUtil.max(5, 2)); }\n}\n';
    const file = path.join(dir, 'd4j.jsonl');
    await fs.writeFile(file, JSON.stringify({ id: 'Demo-1', project: 'Demo', files: { 'src/demo/MathUtil.java': buggy, 'test/demo/MathUtilTest.java': test }, buggyPath: 'src/demo/MathUtil.java', fixed, testClasses: ['demo.MathUtilTest'] }) + '\n');
    const out = await steps['benchmarks.load']!({ benchmark: 'defects4j', path: file }, ctx());
    const [task] = await getRows(store, out.dataset);
    expect(task).toMatchObject({ format: 'java-junit', id: 'Demo-1', solutionPath: 'src/demo/MathUtil.java', language: 'java' });
    expect(await judge(out.dataset, 'reference')).toEqual(['passed']);
    expect(await judge(out.dataset, 'buggy')).toEqual(['failed']);
  });

  it('attach, judge_items and preferences join answers with their tasks', async () => {
    const tasks = await putRows(store, [
      { id: '1', format: 'python-asserts', language: 'python', prompt: 'P1', buggy: 'B1', reference: 'R1', tests: [] },
      { id: '2', format: 'python-asserts', language: 'python', prompt: 'P2', buggy: 'B2', reference: 'R2', tests: [] },
    ]);
    const teacher = await putRows(store, [
      { index: 0, status: 'succeeded', outputs: { text: 'x', reasoning: 'because', fix: 'def a(): pass' } },
      { index: 1, status: 'failed', error: 'boom' },
    ]);
    const t = await steps['benchmarks.attach']!({ tasks, answers: teacher, source: 'claude' }, ctx());
    expect(t).toMatchObject({ count: 1, dropped: 1 });
    expect((await getRows(store, t.dataset))[0]).toMatchObject({ id: '1', trace: 'because', fix: 'def a(): pass', fix_md: '```python\ndef a(): pass\n```' });
    const samples = await putRows(store, [0, 1, 2].flatMap((j) => [0, 1].map((i) => ({ id: String(i + 1), prompt_index: i, sample_index: j, completion: `Return ${i * 10 + j}.\n\`\`\`python\ndef f(): return ${i * 10 + j}\n\`\`\`` }))));
    const s = await steps['benchmarks.attach']!({ tasks, answers: samples, source: 'samples' }, ctx());
    expect(s.count).toBe(6);
    const items = await steps['benchmarks.judge_items']!({ samples: s.dataset }, ctx());
    const itemRows = await getRows<{ candidates: Array<{ id: string; code: string }>; original: string }>(store, items.dataset);
    expect(itemRows.map((r) => r.candidates.map((c) => c.id))).toEqual([['s0', 's1', 's2'], ['s0', 's1', 's2']]);
    expect(itemRows[1]!.original).toBe('B2');
    const judgements = await putRows(store, [
      { index: 0, status: 'succeeded', outputs: { preferences: [{ chosen: 's1', rejected: 's0' }] } },
      { index: 1, status: 'succeeded', outputs: { preferences: [{ chosen: 's2', rejected: 's0' }, { chosen: 's2', rejected: 's1' }] } },
    ]);
    const prefs = await steps['benchmarks.preferences']!({ items: items.dataset, judgements }, ctx());
    expect(prefs.count).toBe(3);
    // the judge compares code; the reward model learns from the whole responses (reasoning + code), as PPO scores them
    expect(itemRows[0]!.candidates[1]!.code).toBe('def f(): return 1');
    expect((await getRows(store, prefs.dataset))[0]).toMatchObject({ prompt: 'P1', chosen: 'Return 1.\n```python\ndef f(): return 1\n```', rejected: 'Return 0.\n```python\ndef f(): return 0\n```' });
  });
});
