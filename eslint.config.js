// ESLint: only rules that catch real bugs or hold a line docs/architecture.md draws. No
// `recommended` sets: formatting and taste are not linted here. Run with `make lint` (or
// `npx eslint .`); every rule below is an error, so `make test` fails on a new violation.
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Not ours, or generated: dependencies, build output, the Python trainer, Temporal's workflow
    // bundles, caches and run data.
    ignores: [
      'node_modules/',
      'dist/',
      'trainer/',
      'coverage/',
      '.cache/',
      '.repairity/',
      '.venv/',
      '**/workflow-bundle-*.js',
    ],
  },
  {
    files: ['**/*.ts', '**/*.js'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        // Type information from tsconfig.json's project (the files it includes and what they
        // import). The one file outside it gets the default project (tsconfig.json's options):
        // vitest.config.ts.
        projectService: {
          allowDefaultProject: ['vitest.config.ts'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    plugins: {
      '@typescript-eslint': tseslint.plugin,
      'import-x': importX,
    },
    settings: {
      // import-x reads the files an import leads to (to follow cycles): parse .ts with
      // typescript-eslint's parser, and do not skip .ts as a non-module extension.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Imports name the emitted `.js` file; the source is `.ts` (NodeNext). Node's resolution
      // with that alias, so import-x follows project imports to the real files.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.js'] },
        }),
      ],
    },
    rules: {
      // A promise nobody awaits, returns or catches: its rejection becomes an unhandled rejection
      // (the process dies, or the error is lost) and its work races what follows. Deliberate
      // fire-and-forget must say so with `void` and a reason.
      '@typescript-eslint/no-floating-promises': 'error',
      // A promise where a boolean or a void callback is expected: `if (promise)` is always true,
      // and an async listener's rejection is never seen by the emitter that calls it.
      '@typescript-eslint/no-misused-promises': 'error',
      // `await` on something that is not a promise: almost always a missing call or a wrong type.
      '@typescript-eslint/await-thenable': 'error',
      // Imports used only as types say so (`import type`), so they vanish from the emitted code:
      // workflows/ may then name activity and store types without loading those modules into
      // Temporal's deterministic sandbox. (tsc's verbatimModuleSyntax catches pure types; this also
      // catches classes and values used only in type positions.)
      '@typescript-eslint/consistent-type-imports': 'error',
      // `import { type A } from 'x'` still emits `import {} from 'x'` under verbatimModuleSyntax,
      // so module x is loaded (and runs) for nothing; in workflows/ that is a determinism leak.
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // Import cycles between value imports: a module can run before the one it imports has
      // finished initialising (undefined bindings at start-up). Type-only imports are ignored.
      'import-x/no-cycle': 'error',
      // A control character in a regular expression is almost always a typo for something else;
      // where it is meant (store/keys.ts refuses control characters in keys) a disable comment
      // says so.
      'no-control-regex': 'error',
    },
  },
  {
    // docs/architecture.md: workflows/ is the deterministic interpreter. At run time it may load only
    // @temporalio/workflow, other workflows/ files and the pure contract layer engine/; anything else
    // (activities, store, node: built-ins, SDK clients) is allowed as a type-only import.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // Everything except @temporalio/workflow, a sibling file (./x.js, ./sub/x.js) and engine/.
              regex: '^(?!@temporalio/workflow$|\\./(?!.*\\.\\./)|\\.\\./engine/[^.]*\\.js$).*',
              allowTypeImports: true,
              message:
                'workflows/ is deterministic: import only types from here (`import type`), values only from @temporalio/workflow and workflows/ files; run the work in an activity.',
            },
          ],
        },
      ],
    },
  },
  {
    // engine/ is the contract layer under compiler/, workflows/ and activities/, bundled into the
    // deterministic workflow sandbox: no Temporal, no Node, no other layer, at run time.
    files: ['engine/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./(?!.*\\.\\./)).*',
              allowTypeImports: true,
              message: 'engine/ is the pure contract layer: values only from engine/ files; types (`import type`) from anywhere.',
            },
          ],
        },
      ],
    },
  },
  {
    // No type information for plain JavaScript outside the project's tsconfig.
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
