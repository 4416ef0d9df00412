#!/usr/bin/env node
/**
 * Builds dist/ with esbuild (no type check: `make typecheck` does that):
 * - dist/cli/main.js, the CLI, with each command's code in its own chunk (dist/chunks/), loaded
 *   only when that command runs; dependencies stay in node_modules, except the few small ones that
 *   `repairity validate` runs (INLINED), which are bundled: Node loads one chunk faster than their
 *   dozens of files;
 * - dist/compiler/prebuilt-validators.js, the compiler's JSON Schema validators generated as code
 *   (scripts/validators.ts) in place of the module of that name, minified, so that validating a
 *   pipeline neither loads ajv nor compiles a schema;
 * - dist/workflows/index.js, the workflow code as one JavaScript file, which the worker hands to
 *   Temporal's bundler (it compiles TypeScript only outside node_modules, so an installed package
 *   cannot use workflows/*.ts).
 * Usage: node scripts/build.mjs [outdir]   (default dist)
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { tsImport } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.resolve(root, process.argv[2] ?? 'dist');
const common = { absWorkingDir: root, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' };

// Pure JavaScript, no native parts, on the path of `repairity validate`.
const INLINED = ['yaml', 'commander', '@actions/expressions', 'canonicalize', 'croner'];
const { dependencies } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const external = Object.keys(dependencies).filter((d) => !INLINED.includes(d));
// Bundled CommonJS code calls `require` (for Node's built-in modules); an ES module has none.
const requireShim = "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);";

const { validatorsBuild, validatorsExternal } = await tsImport('./validators.ts', import.meta.url);

rmSync(outdir, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: ['cli/main.ts'],
  packages: undefined,
  external,
  banner: { js: requireShim },
  outdir,
  outbase: '.',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [validatorsExternal],
});
await build(validatorsBuild(path.join(outdir, 'compiler', 'prebuilt-validators.js')));
await build({ ...common, entryPoints: ['workflows/index.ts'], outdir, outbase: '.' });
