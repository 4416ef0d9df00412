#!/usr/bin/env node
/**
 * Builds dist/ with esbuild (no type check: `make typecheck` does that):
 * - dist/cli/main.js, the CLI, with each command's code in its own chunk (dist/chunks/), loaded
 *   only when that command runs; dependencies stay in node_modules, except the few small ones that
 *   `repairity validate` runs (INLINED), which are bundled: Node loads one chunk faster than their
 *   dozens of files;
 * - dist/cli/short.cjs, the short commands (cli/short-cli.ts: validate, graph) with everything they
 *   run but the packages in node_modules, the prebuilt validators included, as one CommonJS file, and
 *   its V8 code cache (dist/cli/short.cjs.cache, see cli/code-cache.ts), written by validating the
 *   shipped pipeline once;
 * - dist/compiler/prebuilt-validators.js, the compiler's JSON Schema validators generated as code
 *   (scripts/validators.ts) in place of the module of that name, minified, so that validating a
 *   pipeline neither loads ajv nor compiles a schema;
 * - dist/workflows/index.js, the workflow code as one JavaScript file, which the worker hands to
 *   Temporal's bundler (it compiles TypeScript only outside node_modules, so an installed package
 *   cannot use workflows/*.ts).
 * Usage: node scripts/build.mjs [outdir]   (default dist)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { tsImport } from 'tsx/esm/api';
import { commanderLazyChildProcess, languageSchemaOnly, withoutDynamicImports } from './build-plugins.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.resolve(root, process.argv[2] ?? 'dist');
const common = { absWorkingDir: root, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' };

// Pure JavaScript, no native parts, on the path of `repairity validate`.
const INLINED = ['yaml', 'commander', '@actions/expressions', 'croner'];
const { dependencies } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const external = Object.keys(dependencies).filter((d) => !INLINED.includes(d));
// Bundled CommonJS code calls `require` (for Node's built-in modules); an ES module has none.
const requireShim = "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);";

const { validatorsBuild, validatorsExternal, validatorsInline } = await tsImport('./validators.ts', import.meta.url);

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
  plugins: [validatorsExternal, languageSchemaOnly, commanderLazyChildProcess],
});
await build(validatorsBuild(path.join(outdir, 'compiler', 'prebuilt-validators.js')));
const short = path.join(outdir, 'cli', 'short.cjs');
await build({
  ...common,
  entryPoints: ['cli/short-cli.ts'],
  packages: undefined,
  external,
  format: 'cjs',
  // A CommonJS file has no import.meta: its URL is the bundle's own.
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  // Parsed only where V8 refuses its code cache (another Node version) or lacks a function: smaller is faster then.
  minifyWhitespace: true,
  minifySyntax: true,
  outfile: short,
  plugins: [validatorsInline, languageSchemaOnly, withoutDynamicImports, commanderLazyChildProcess],
});
writeCodeCache(short);
await build({ ...common, entryPoints: ['workflows/index.ts'], outdir, outbase: '.' });

/**
 * The code cache of `bundle`, made by the built CLI itself validating the shipped pipeline (with the
 * V8 flags of a user's run: NODE_OPTIONS is left out). No cache means that the built CLI did not
 * run: the build fails, with its error.
 */
function writeCodeCache(bundle) {
  const env = { ...process.env, REPAIRITY_CODE_CACHE: 'write' };
  delete env.NODE_OPTIONS;
  const run = spawnSync(process.execPath, [path.join(outdir, 'cli', 'main.js'), 'validate', 'pipelines/repairity.yaml'], { cwd: root, env, encoding: 'utf8' });
  if (!existsSync(`${bundle}.cache`)) throw new Error(`no code cache for ${bundle}: ${run.error?.message ?? run.stderr}`);
}
