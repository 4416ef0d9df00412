/**
 * SWE-bench instances in the published schema, built at test time from real projects' sdists
 * (`make swebench-fixtures` downloads them with pip): each sdist becomes a git repository (the
 * upstream release, then a commit that introduces a real bug = base_commit), with the gold patch
 * (the fix), a test_patch that adds a test catching the bug, FAIL_TO_PASS and PASS_TO_PASS.
 *
 *   psf/requests 2.31 (pytest, parse_log_pytest_options): is_valid_cidr accepts a /0 mask.
 *   sympy/sympy 1.12 (SymPy's own runner, parse_log_sympy): rotate_left no longer wraps y > len(x).
 *
 * SymPy's sdist leaves out bin/test, the script its spec's test command runs; the upstream commit
 * adds a small one that calls SymPy's own runner (sympy.testing.runtests.test) with the flags the
 * spec passes, so the log is the runner's own output.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SweBenchInstance } from '../../sandbox/swebench/instance.js';

export const SDISTS = process.env.REPAIRITY_SWEBENCH_SDISTS ?? path.join(process.env.REPAIRITY_CACHE ?? path.join(process.env.HOME ?? '', '.cache', 'repairity'), 'swebench', 'sdists');

export interface Fixture {
  instance: SweBenchInstance;
  /** Applies cleanly and leaves the bug in place. */
  wrongPatch: string;
}

// Fixed dates make the commits, and so the cached images' tags, the same on every run.
let when = '2023-05-22T10:00:00Z';
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when } });

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`fixture: ${file} no longer contains ${JSON.stringify(from)}`);
  writeFileSync(file, text.replace(from, to));
}

interface Recipe {
  repo: string;
  sdist: string;
  version: string;
  number: number;
  upstreamExtra?: (dir: string) => void;
  bug: { file: string; from: string; to: string };
  wrong: { file: string; from: string; to: string };
  test: { file: string; from: string; to: string };
  statement: string;
  failToPass: string[];
  passToPass: string[];
}

const SYMPY_BIN_TEST = `#!/usr/bin/env python
"""bin/test of the SymPy repository (left out of the sdist): SymPy's own test runner."""
import argparse
import sys

from sympy.testing.runtests import test

parser = argparse.ArgumentParser()
parser.add_argument("-C", "--no-colors", action="store_true")
parser.add_argument("-v", "--verbose", action="store_true")
parser.add_argument("paths", nargs="*")
args = parser.parse_args()
sys.exit(0 if test(*args.paths, colors=not args.no_colors, verbose=args.verbose) else 1)
`;

const RECIPES: Recipe[] = [
  {
    repo: 'psf/requests',
    sdist: 'requests-2.31.0.tar.gz',
    version: '2.31',
    number: 900001,
    bug: { file: 'requests/utils.py', from: 'if mask < 1 or mask > 32:', to: 'if mask < 0 or mask > 32:' },
    wrong: { file: 'requests/utils.py', from: 'if mask < 0 or mask > 32:', to: 'if mask < 0 or mask >= 33:' },
    test: {
      file: 'tests/test_utils.py',
      from: '    def test_invalid(self, value):\n        assert not is_valid_cidr(value)\n',
      to: '    def test_invalid(self, value):\n        assert not is_valid_cidr(value)\n\n    def test_zero_mask(self):\n        assert not is_valid_cidr("192.168.1.0/0")\n',
    },
    statement: 'is_valid_cidr("192.168.1.0/0") returns True\n\nA no_proxy entry with a /0 mask is accepted as a valid CIDR; masks must be between 1 and 32.',
    failToPass: ['tests/test_utils.py::TestIsValidCIDR::test_zero_mask'],
    passToPass: [
      'tests/test_utils.py::TestIsValidCIDR::test_valid',
      'tests/test_utils.py::TestIsValidCIDR::test_invalid[8.8.8.8]',
      'tests/test_utils.py::TestIsValidCIDR::test_invalid[192.168.1.0/-1]',
      'tests/test_utils.py::TestAddressInNetwork::test_valid',
      'tests/test_utils.py::TestAddressInNetwork::test_invalid',
    ],
  },
  {
    repo: 'sympy/sympy',
    sdist: 'sympy-1.12.tar.gz',
    version: '1.12',
    number: 900002,
    upstreamExtra: (dir) => {
      mkdirSync(path.join(dir, 'bin'), { recursive: true });
      writeFileSync(path.join(dir, 'bin', 'test'), SYMPY_BIN_TEST, { mode: 0o755 });
    },
    bug: { file: 'sympy/utilities/iterables.py', from: '        return []\n    y = y % len(x)\n    return x[y:] + x[:y]\n', to: '        return []\n    return x[y:] + x[:y]\n' },
    wrong: { file: 'sympy/utilities/iterables.py', from: '    y = len(x) - y % len(x)\n', to: '    y = len(x) - (y % len(x))\n' },
    test: {
      file: 'sympy/utilities/tests/test_iterables.py',
      from: 'def test_multiset_partitions():',
      to: 'def test_rotate_left_wraps_around():\n    assert rotate_left([0, 1, 2], 4) == [1, 2, 0]\n\n\ndef test_multiset_partitions():',
    },
    statement: 'rotate_left([0, 1, 2], 4) returns [0, 1, 2]\n\nRotating left by more than the length of the list should wrap around: the expected result is [1, 2, 0].',
    failToPass: ['test_rotate_left_wraps_around'],
    passToPass: ['test_rotate', 'test_runs', 'test_flatten', 'test_multiset_partitions'],
  },
];

function build(recipe: Recipe, mirrors: string): Fixture {
  const dir = path.join(mirrors, recipe.repo.replace('/', '__'));
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', path.join(SDISTS, recipe.sdist), '-C', dir, '--strip-components=1']);
  git(dir, 'init', '--quiet', '--initial-branch=main');
  git(dir, 'config', 'user.email', 'fixtures@repairity.test');
  git(dir, 'config', 'user.name', 'fixtures');
  recipe.upstreamExtra?.(dir);
  when = '2023-05-22T10:00:00Z';
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '-m', `${recipe.sdist} as released`);
  const upstream = git(dir, 'rev-parse', 'HEAD').trim();
  edit(path.join(dir, recipe.bug.file), recipe.bug.from, recipe.bug.to);
  when = '2023-05-22T11:00:00Z';
  git(dir, 'commit', '--quiet', '-am', 'introduce the bug');
  const base = git(dir, 'rev-parse', 'HEAD').trim();
  const patch = git(dir, 'diff', base, upstream, '--', recipe.bug.file);
  edit(path.join(dir, recipe.test.file), recipe.test.from, recipe.test.to);
  const testPatch = git(dir, 'diff');
  git(dir, 'checkout', '--quiet', '--', '.');
  edit(path.join(dir, recipe.wrong.file), recipe.wrong.from, recipe.wrong.to);
  const wrongPatch = git(dir, 'diff');
  git(dir, 'checkout', '--quiet', '--', '.');
  const [owner, name] = recipe.repo.split('/') as [string, string];
  return {
    instance: {
      instance_id: `${owner}__${name}-${recipe.number}`,
      repo: recipe.repo,
      base_commit: base,
      patch,
      test_patch: testPatch,
      problem_statement: recipe.statement,
      hints_text: '',
      version: recipe.version,
      environment_setup_commit: base,
      FAIL_TO_PASS: recipe.failToPass,
      PASS_TO_PASS: recipe.passToPass,
      created_at: new Date(0).toISOString(),
    },
    wrongPatch,
  };
}

/** Builds the mirrors (<mirrors>/<owner>__<name>) and returns the instances, requests first. */
export function buildFixtures(mirrors: string): Fixture[] {
  const have = new Set(readdirSync(SDISTS));
  const missing = RECIPES.filter((r) => !have.has(r.sdist)).map((r) => r.sdist);
  if (missing.length) throw new Error(`missing sdists ${missing.join(', ')} in ${SDISTS}: run \`make swebench-fixtures\``);
  return RECIPES.map((r) => build(r, mirrors));
}

/** A row as the published JSONL files hold it (FAIL_TO_PASS / PASS_TO_PASS JSON-encoded). */
export function publishedRow(instance: SweBenchInstance): Record<string, unknown> {
  return { ...instance, FAIL_TO_PASS: JSON.stringify(instance.FAIL_TO_PASS), PASS_TO_PASS: JSON.stringify(instance.PASS_TO_PASS) };
}
