/**
 * The layering docs/architecture.md draws, checked on the real import graph: no import cycle, no
 * import that runs up the layers, nothing in the product importing test/, and no product file
 * over 300 lines but the few listed with their reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, trackedFiles } from '../helpers/repo-files.js';
import { importsOf, loadedBy, valueCycles, type ImportEdge } from './import-graph.js';

/**
 * What each top-level folder may import, lowest layers first. `values` for imports that load a
 * module at run time; `types` (import type) may also name these. A folder not listed here fails
 * the test: place it in a layer.
 */
const LAYERS: Record<string, { values: string[]; types?: string[] }> = {
  engine: { values: [], types: ['core', 'store'] },
  core: { values: [], types: ['engine'] },
  store: { values: ['core', 'engine'] },
  sandbox: { values: ['core', 'engine', 'store'] },
  'claude-simulator': { values: ['core'] },
  // The compiler reads kind specs only, never their implementations (KIND_SPEC below).
  compiler: { values: ['core', 'engine', 'schemas'], types: ['kinds'] },
  // Deterministic: at run time only engine/ (eslint also holds this line); types from the layers it drives.
  workflows: { values: ['engine'], types: ['core', 'store', 'sandbox', 'compiler', 'activities', 'kinds'] },
  activities: { values: ['core', 'engine', 'store', 'sandbox', 'kinds'] },
  kinds: { values: ['core', 'engine', 'store', 'sandbox', 'activities'] },
  'dev-services': { values: ['core', 'engine', 'workflows'] },
  worker: { values: ['core', 'engine', 'store', 'sandbox', 'compiler', 'workflows', 'activities', 'kinds'] },
  cli: { values: ['core', 'engine', 'store', 'sandbox', 'compiler', 'workflows', 'activities', 'kinds', 'worker', 'dev-services', 'claude-simulator', 'schemas'] },
  bench: { values: ['core', 'engine', 'store', 'sandbox', 'compiler', 'workflows', 'activities', 'kinds', 'worker', 'dev-services', 'claude-simulator', 'cli', 'schemas'] },
  scripts: { values: ['core', 'engine', 'store', 'sandbox', 'compiler', 'workflows', 'activities', 'kinds', 'worker', 'cli', 'schemas'] },
  schemas: { values: [] },
};

/**
 * The kind registry's spec side, which the compiler may load: the registry files at kinds/'s root
 * and each family's specs, schemas and kinds.ts (which imports its implementation lazily).
 */
const KIND_SPEC = /^kinds\/((catalog|registry|define|editor-schema)\.ts|[^/]+\/(specs|schemas|kinds)\.ts)$/;

/** Product files over 300 lines, each with why it stays whole. The test fails when one shrinks under the limit. */
const LONG_FILES: Record<string, string> = {
  'sandbox/runtime/supervisor.py': 'copied alone into every sandbox container, where it runs with no package around it',
  'store/local.ts': 'the whole ArtifactStore contract over a folder: atomic writes, staging, verification',
  'store/s3.ts': 'the whole ArtifactStore contract over S3: multipart uploads, conditional writes, staging',
  'store/directory.ts': 'a folder as one artifact both ways (tar and per-file layouts, manifest checks)',
  'trainer/config.py': "every hyperparameter of the trainer's three stages, with its default and check",
};
const MAX_LINES = 300;

const areaOf = (file: string) => file.split('/')[0]!;
const isProduct = (file: string) => !file.startsWith('test/') && !file.startsWith('trainer/tests/');

const files = trackedFiles(['*.ts']).filter((f) => !f.endsWith('.d.ts'));
const edges: ImportEdge[] = files.flatMap(importsOf);
const key = (e: ImportEdge) => `${e.from} -> ${e.to}`;

function violation(e: ImportEdge): string | undefined {
  const [from, to] = [areaOf(e.from), areaOf(e.to)];
  if (!isProduct(e.from)) return undefined;
  if (!isProduct(e.to)) return 'product code imports test code (move what it needs into the product)';
  if (from === to) return undefined;
  const rule = LAYERS[from];
  if (!rule) return `${from}/ is in no layer: add it to LAYERS in test/layers/layers.test.ts`;
  if (!LAYERS[to]) return `${to}/ is in no layer: add it to LAYERS in test/layers/layers.test.ts`;
  if (from === 'compiler' && KIND_SPEC.test(e.to)) return undefined;
  if (rule.values.includes(to) || (e.typeOnly && rule.types?.includes(to))) return undefined;
  return `${from}/ may import ${e.typeOnly ? 'types from ' : ''}${[...rule.values, ...(e.typeOnly ? (rule.types ?? []) : [])].join(', ') || 'nothing outside itself'}, not ${to}/`;
}

describe('layers', () => {
  it('no import cycle among value imports', () => {
    expect(valueCycles(edges)).toEqual([]);
  });

  it('no import runs up the layers, and nothing in the product imports test/', () => {
    expect(edges.flatMap((e) => (violation(e) ? [`${key(e)}: ${violation(e)}`] : []))).toEqual([]);
  });

  it('loading the compiler loads no step implementation: only compiler/, core/, engine/, schemas/ and kind specs', () => {
    const compiler = files.filter((f) => f.startsWith('compiler/'));
    const loaded = [...loadedBy(compiler, edges)].filter((f) => !['compiler', 'core', 'engine', 'schemas'].includes(areaOf(f)) && !KIND_SPEC.test(f));
    expect(loaded.sort()).toEqual([]);
  });

  it('the checks catch what they are for', () => {
    const edge = (from: string, to: string, typeOnly = false, lazy = false): ImportEdge => ({ from, to, typeOnly, lazy });
    expect(violation(edge('compiler/compile.ts', 'kinds/claude/message.ts'))).toMatch(/compiler\/ may import/);
    expect(violation(edge('compiler/compile.ts', 'kinds/claude/specs.ts'))).toBeUndefined();
    const specs = [edge('compiler/compile.ts', 'kinds/catalog.ts'), edge('kinds/catalog.ts', 'kinds/claude/kinds.ts'), edge('kinds/claude/kinds.ts', 'kinds/claude/index.ts', false, true)];
    expect([...loadedBy(['compiler/compile.ts'], specs)]).not.toContain('kinds/claude/index.ts');
    expect([...loadedBy(['compiler/compile.ts'], [...specs, edge('kinds/claude/kinds.ts', 'kinds/claude/message.ts')])]).toContain('kinds/claude/message.ts');
    expect(violation(edge('core/expressions.ts', 'compiler/plan.ts'))).toMatch(/core\/ may import/);
    expect(violation(edge('core/expressions.ts', 'engine/plan.ts', true))).toBeUndefined();
    expect(violation(edge('cli/commands/demo.ts', 'test/anthropic-server/main.ts'))).toMatch(/test code/);
    expect(violation(edge('bench/claude/main.ts', 'test/helpers/services/temporal.ts', true))).toMatch(/test code/);
    expect(violation(edge('workflows/pipeline.ts', 'activities/runtime/run-batch.ts'))).toMatch(/workflows\/ may import/);
    expect(violation(edge('workflows/pipeline.ts', 'activities/runtime/run-batch.ts', true))).toBeUndefined();
    expect(violation(edge('newdir/x.ts', 'core/errors.ts'))).toMatch(/newdir\/ is in no layer/);
    expect(valueCycles([edge('a.ts', 'b.ts'), edge('b.ts', 'a.ts'), edge('c.ts', 'a.ts')])).toEqual([['a.ts', 'b.ts']]);
    expect(valueCycles([edge('a.ts', 'b.ts'), edge('b.ts', 'a.ts', true)])).toEqual([]);
  });
});

describe('file size', () => {
  const product = trackedFiles(['*.ts', '*.py', '*.mjs', '*.sh']).filter(isProduct);
  const lines = new Map(product.map((f) => [f, fs.readFileSync(path.join(repoRoot, f), 'utf8').split('\n').length - 1]));

  it(`no product file is over ${MAX_LINES} lines but those listed with their reason`, () => {
    const over = [...lines].filter(([f, n]) => n > MAX_LINES && !(f in LONG_FILES)).map(([f, n]) => `${f}: ${n} lines`);
    expect(over).toEqual([]);
  });

  it('every listed long file is still long (remove the ones that are not)', () => {
    expect(Object.keys(LONG_FILES).filter((f) => (lines.get(f) ?? 0) <= MAX_LINES)).toEqual([]);
  });
});
