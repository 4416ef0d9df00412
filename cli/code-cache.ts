/**
 * Runs a CommonJS bundle (dist/cli/short.cjs) from V8's code cache (`<file>.cache`, written at build
 * time by running `validate` once with REPAIRITY_CODE_CACHE=write): V8 then neither parses the
 * bundle nor compiles the functions that run, about a quarter of `validate`'s CPU time (bench/cli).
 * Node 20 has no code cache for ES modules, hence a CommonJS bundle run through `vm.Script`.
 * V8 refuses a cache made by another V8 version or with other V8 flags (the short commands set
 * `--no-opt` before loading, the same way at build time and at run time) and then compiles the
 * source as usual. Of the source it checks the length only: the build writes the bundle and its
 * cache together, and they are replaced together, never one of them by hand.
 * REPAIRITY_CODE_CACHE (core/env.ts): `off` ignores the cache, `report` says on stderr whether V8
 * took it, `write` writes it at exit.
 */
import type * as Fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

// Through require, as bin/repairity.js does: importing node:fs as an ES module evaluates every export.
const { readFileSync, writeFileSync } = createRequire(import.meta.url)('node:fs') as typeof Fs;

/** The bundle's `module.exports`, or undefined when there is no such file (the TypeScript sources). */
export function requireWithCodeCache(file: string): unknown {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const mode = process.env.REPAIRITY_CODE_CACHE;
  const cacheFile = `${file}.cache`;
  let cachedData: Buffer | undefined;
  if (mode !== 'off' && mode !== 'write') {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // No cache file: V8 compiles the source.
    }
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: file, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  if (mode === 'report') process.stderr.write(`code cache ${cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted'}: ${cacheFile}\n`);
  // At exit, the cache holds the functions that ran as well as the bundle's top level.
  if (mode === 'write') process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}
