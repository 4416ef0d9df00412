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

/**
 * The compiler imports schemas/pipeline.schema.json for the language alone (compiler/validators.ts):
 * its `definitions.kindInputs`, each kind's `with:` schema for editors (four fifths of the file), is
 * left out of the build, where it would only be parsed.
 */
const languageSchemaOnly = {
  name: 'language-schema-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]schemas[\\/]pipeline\.schema\.json$/ }, (args) => {
      const schema = JSON.parse(readFileSync(args.path, 'utf8'));
      return { contents: JSON.stringify({ ...schema, definitions: { ...schema.definitions, kindInputs: true } }), loader: 'json' };
    });
  },
};

/**
 * Modules the short commands' bundle reaches only through `import()` (the step kinds'
 * implementations, loaded by workers) are left out of it: such an import fails, saying so.
 */
const withoutDynamicImports = {
  name: 'without-dynamic-imports',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'left-out' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not in dist/cli/short.cjs (the bundle of validate and graph, which do not import it)`)});`,
    }));
  },
};

/**
 * commander requires node:child_process as it loads, for the executable subcommands that this CLI
 * does not have; loading it (with node:net) is a few percent of `repairity validate`. Here it is
 * required on first use instead. Should commander's line change, the build keeps it as it is.
 */
const commanderLazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(
        "const childProcess = require('node:child_process');",
        "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      ),
      loader: 'js',
    }));
  },
};

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
  // Read by V8 only when its code cache is refused (another Node version): smaller is faster then.
  minifyWhitespace: true,
  minifySyntax: true,
  outfile: short,
  plugins: [validatorsInline, languageSchemaOnly, withoutDynamicImports, commanderLazyChildProcess],
});
writeCodeCache(short);
await build({ ...common, entryPoints: ['workflows/index.ts'], outdir, outbase: '.' });

/**
 * The code cache of `bundle`, made by the built CLI itself validating the shipped pipeline (same
 * flags as a user's run: NODE_OPTIONS is left out). Without it the short commands still work, slower.
 */
function writeCodeCache(bundle) {
  const env = { ...process.env, REPAIRITY_CODE_CACHE: 'write' };
  delete env.NODE_OPTIONS;
  const run = spawnSync(process.execPath, [path.join(outdir, 'cli', 'main.js'), 'validate', 'pipelines/repairity.yaml'], { cwd: root, env, encoding: 'utf8' });
  if (!existsSync(`${bundle}.cache`)) throw new Error(`no code cache for ${bundle}: ${run.error?.message ?? run.stderr}`);
}
