/** esbuild plugins of scripts/build.mjs that change what a bundle holds, to make `repairity validate` start faster. */
import { readFileSync } from 'node:fs';

/**
 * The compiler imports schemas/pipeline.schema.json for the language alone (compiler/validators.ts):
 * its `definitions.kindInputs`, each kind's `with:` schema for editors (four fifths of the file), is
 * left out of the build, where it would only be parsed.
 */
export const languageSchemaOnly = {
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
export const withoutDynamicImports = {
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
export const commanderLazyChildProcess = {
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
