/**
 * Docs and configs cite only files in the repository: every repository path they name (a link, or
 * a path under one of the repository's top-level folders) exists, and none points outside it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, trackedFiles } from '../helpers/repo-files.js';

const docs = trackedFiles(['*.md', 'mk/*.mk', 'Makefile', 'eslint.config.js', 'tsconfig.json', 'vitest.config.ts', 'package.json']);
const tops = new Set(trackedFiles([]).map((f) => f.split('/')[0]!));
const exists = (p: string) => fs.existsSync(path.join(repoRoot, p));

/** Paths a doc names as examples for the reader to create, not as files of the repository. */
const EXAMPLES: Record<string, string[]> = {
  'docs/adding-a-step-kind.md': ['kinds/text/', 'test/text/'],
};

/** The repository paths a doc names: relative link targets, and paths under a top-level folder. */
export function citedPaths(doc: string, text: string): string[] {
  const cited = new Set<string>();
  for (const m of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
    if (!/^[a-z]+:/.test(m[1]!)) cited.add(path.posix.normalize(path.posix.join(path.posix.dirname(doc), m[1]!)));
  }
  for (const m of text.matchAll(/(?<![\w./$-])((?:[\w.-]+\/)+[\w.-]+\.(?:ts|md|py|mk|json|ya?ml|sh|mjs|js|txt|jsonl|toml|cfg))\b/g)) {
    if (tops.has(m[1]!.split('/')[0]!)) cited.add(m[1]!);
  }
  return [...cited];
}

describe('docs and configs', () => {
  it('cite only files that are in the repository', () => {
    const missing = docs.flatMap((doc) =>
      citedPaths(doc, fs.readFileSync(path.join(repoRoot, doc), 'utf8'))
        .filter((p) => !exists(p) && !exists(path.posix.join(path.posix.dirname(doc), p)) && !(EXAMPLES[doc] ?? []).some((e) => p.startsWith(e)))
        .map((p) => `${doc}: ${p}`),
    );
    expect(missing).toEqual([]);
  });

  it('name no file outside the repository (guides, machine paths)', () => {
    const outside = /\b(?:STYLE|DESIGN)\.md\b|\/work\/|\/home\/\w|\bshared\/\w/;
    expect(docs.filter((doc) => outside.test(fs.readFileSync(path.join(repoRoot, doc), 'utf8')))).toEqual([]);
  });

  it('the check finds a cited file that is not there', () => {
    expect(citedPaths('docs/a.md', 'see [b](b.md), `core/nothing-here.ts` and `$(CACHE)/x/y.json`')).toEqual(['docs/b.md', 'core/nothing-here.ts']);
  });
});
