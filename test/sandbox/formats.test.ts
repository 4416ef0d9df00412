/**
 * The four task formats on the real images: passing, failing and not-compiling candidates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { normaliseTask } from '../../sandbox/formats/index.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import type { JavaJunitTask, PytestTask, RepoPatchTask } from '../../sandbox/types.js';
import { ensureImages, ourContainers, testDocker, testSandbox } from './helpers.js';

describe('task formats', () => {
  let docker: Docker;
  let sandbox: Sandbox;

  beforeAll(async () => {
    docker = testDocker();
    await ensureImages(docker, ['python', 'java']);
    sandbox = await testSandbox(docker, { poolSize: 2 });
  });

  afterAll(async () => {
    await sandbox?.close();
    expect(await ourContainers(docker)).toEqual([]);
  });

  describe('python-asserts', () => {
    it('runs setup code after the solution (MBPP order) and reports each test', async () => {
      const verdict = await sandbox.run({
        format: 'python-asserts',
        id: 'cls',
        code: 'class Node:\n    def __init__(self, v):\n        self.v = v\ndef val(n):\n    return n.v',
        setup: 'root = Node(3)',
        tests: ['assert val(root) == 3', 'assert val(root) == 4', 'assert undefined_name'],
      });
      expect(verdict.status).toBe('failed');
      expect(verdict.id).toBe('cls');
      expect(verdict.tests.map((t) => t.outcome)).toEqual(['passed', 'failed', 'error']);
      expect(verdict.failedTests).toEqual(['assert val(root) == 4', 'assert undefined_name']);
      expect(verdict.tests[2]?.message).toMatch(/NameError/);
    });

    it('a syntax error is an error verdict', async () => {
      const verdict = await sandbox.run({ format: 'python-asserts', code: 'def f(:\n  return 1', tests: ['assert f() == 1'] });
      expect(verdict.status).toBe('error');
      expect(verdict.message).toMatch(/SyntaxError/);
    });

    it('a process that exits before reporting is crashed; stdout and stderr are kept', async () => {
      const verdict = await sandbox.run({ format: 'python-asserts', code: 'import os, sys\nprint("hello")\nsys.stdout.flush()\nsys.stderr.write("bye\\n")\nos._exit(3)', tests: ['assert True'] });
      expect(verdict.status).toBe('crashed');
      expect(verdict.exitCode).toBe(3);
      expect(verdict.stdout).toBe('hello\n');
      expect(verdict.stderr).toBe('bye\n');
    });

    it('HumanEval rows become assert tasks', async () => {
      const row = {
        task_id: 'HumanEval/0',
        prompt: 'def add(a, b):\n',
        canonical_solution: '    return a + b\n',
        completion: '    return a - b\n',
        test: 'def check(candidate):\n    assert candidate(1, 2) == 3\n',
        entry_point: 'add',
      };
      expect((await sandbox.run(normaliseTask(row, 0))).status).toBe('passed');
      expect((await sandbox.run(normaliseTask(row, 0, { solutionField: 'completion' }))).status).toBe('failed');
    });
  });

  describe('pytest', () => {
    const base: PytestTask = {
      format: 'pytest',
      files: {
        'test_calc.py': 'from solution import add, mul\n\ndef test_add():\n    assert add(2, 3) == 5\n\ndef test_mul():\n    assert mul(2, 3) == 6\n',
      },
      solution: 'def add(a, b):\n    return a + b\n\ndef mul(a, b):\n    return a * b\n',
    };

    it('passes a correct solution', async () => {
      const verdict = await sandbox.run(base);
      expect(verdict.status).toBe('passed');
      expect(verdict.tests.map((t) => [t.name, t.outcome])).toEqual([
        ['test_calc.py::test_add', 'passed'],
        ['test_calc.py::test_mul', 'passed'],
      ]);
    });

    it('names the failing test', async () => {
      const verdict = await sandbox.run({ ...base, solution: 'def add(a, b):\n    return a + b\n\ndef mul(a, b):\n    return a + b\n' });
      expect(verdict.status).toBe('failed');
      expect(verdict.failedTests).toEqual(['test_calc.py::test_mul']);
    });

    it('a solution that does not import is an error', async () => {
      const verdict = await sandbox.run({ ...base, solution: 'def add(a, b) return a' });
      expect(verdict.status).toBe('error');
      expect(verdict.message).toMatch(/collected|SyntaxError/);
    });
  });

  describe('java-junit', () => {
    const files = {
      'src/main/java/calc/Calc.java': 'package calc;\npublic class Calc {\n  public static int add(int a, int b) { return a + b; }\n  public static int mul(int a, int b) { return a * b; }\n}\n',
      'src/test/java/calc/CalcTest.java':
        'package calc;\nimport static org.junit.Assert.assertEquals;\nimport org.junit.Test;\npublic class CalcTest {\n  @Test public void add() { assertEquals(5, Calc.add(2, 3)); }\n  @Test public void mul() { assertEquals(6, Calc.mul(2, 3)); }\n}\n',
    };
    const base: JavaJunitTask = { format: 'java-junit', files, testClasses: ['calc.CalcTest'] };

    it('compiles with javac and passes under JUnit', async () => {
      const verdict = await sandbox.run(base);
      expect(verdict.status, verdict.stderr).toBe('passed');
      expect(verdict.tests.map((t) => [t.name, t.outcome])).toEqual([
        ['calc.CalcTest.add', 'passed'],
        ['calc.CalcTest.mul', 'passed'],
      ]);
    });

    it('names the failing test', async () => {
      const verdict = await sandbox.run({
        ...base,
        solutionPath: 'src/main/java/calc/Calc.java',
        solution: 'package calc;\npublic class Calc {\n  public static int add(int a, int b) { return a + b; }\n  public static int mul(int a, int b) { return a + b; }\n}\n',
      });
      expect(verdict.status).toBe('failed');
      expect(verdict.failedTests).toEqual(['calc.CalcTest.mul']);
    });

    it('a compile error is an error verdict', async () => {
      const verdict = await sandbox.run({ ...base, solutionPath: 'src/main/java/calc/Calc.java', solution: 'package calc;\npublic class Calc { int x = ; }\n' });
      expect(verdict.status).toBe('error');
      expect(verdict.message).toMatch(/javac: .*error/);
    });
  });

  describe('repo-patch (SWE-bench style)', () => {
    const repo = {
      files: {
        'pkg/__init__.py': '',
        'pkg/text.py': 'def shout(s):\n    return s.upper()\n\ndef whisper(s):\n    return s.upper()\n',
        'tests/test_text.py': 'from pkg.text import shout, whisper\n\ndef test_shout():\n    assert shout("a") == "A"\n\ndef test_whisper():\n    assert whisper("A") == "a"\n',
      },
    };
    const fix = '--- a/pkg/text.py\n+++ b/pkg/text.py\n@@ -2,4 +2,4 @@\n     return s.upper()\n \n def whisper(s):\n-    return s.upper()\n+    return s.lower()\n';
    const base: RepoPatchTask = {
      format: 'repo-patch',
      repo,
      patch: fix,
      testCommand: 'python3 -m pytest -q tests',
      tests: ['tests/test_text.py::test_whisper', 'tests/test_text.py::test_shout'],
    };

    it('applies the patch, runs the named tests, reports each outcome', async () => {
      const verdict = await sandbox.run(base);
      expect(verdict.status, verdict.stderr).toBe('passed');
      expect(verdict.tests.map((t) => [t.name, t.outcome])).toEqual([
        ['tests/test_text.py::test_whisper', 'passed'],
        ['tests/test_text.py::test_shout', 'passed'],
      ]);
    });

    it('without the fix, the FAIL_TO_PASS test fails', async () => {
      const verdict = await sandbox.run({ ...base, patch: '' });
      expect(verdict.status).toBe('failed');
      expect(verdict.failedTests).toEqual(['tests/test_text.py::test_whisper']);
    });

    it('a named test that does not run is missing, not passed', async () => {
      const verdict = await sandbox.run({ ...base, tests: ['tests/test_text.py::test_gone'] });
      expect(verdict.status).toBe('failed');
      expect(verdict.tests[0]).toMatchObject({ name: 'tests/test_text.py::test_gone', outcome: 'missing' });
    });

    it('a patch that does not apply is an error', async () => {
      const verdict = await sandbox.run({ ...base, patch: fix.replace('-    return s.upper()', '-    return s.swapcase()') });
      expect(verdict.status).toBe('error');
      expect(verdict.message).toMatch(/does not apply/);
    });
  });
});
