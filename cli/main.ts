#!/usr/bin/env node
// First: sizes libuv's thread pool before anything uses it.
import '../worker/threadpool.js';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from './code-cache.js';
import { isShortCommand } from './short-commands.js';

interface Cli {
  main(argv: string[]): Promise<void>;
}

let cli: Cli | undefined;
if (isShortCommand(process.argv[2])) {
  // Before any code is compiled: V8 takes a code cache made with the same flags only.
  v8.setFlagsFromString('--no-opt');
  // The build's bundle of the short commands (absent when running the TypeScript sources).
  cli = requireWithCodeCache(fileURLToPath(new URL('./short.cjs', import.meta.url))) as Cli | undefined;
}
cli ??= await import('./full-cli.js');
await cli.main(process.argv);
