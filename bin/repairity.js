#!/usr/bin/env node
// Runs the built CLI (dist/, from `make build` or `npm run build`; an installed package ships it).
// A source checkout that has not been built yet runs the TypeScript sources through tsx instead,
// which starts several times slower, and says so.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// node:fs through require: importing it as an ES module evaluates every export, fs.promises and the
// stream classes included, a few milliseconds of `repairity validate`.
const { existsSync } = createRequire(import.meta.url)('node:fs');
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist', 'cli', 'main.js');
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  process.stderr.write('repairity: dist/ is not built (run "make build"); running from the TypeScript sources, which starts slowly\n');
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  // Imported here only: loading node:child_process is a few percent of `repairity validate`.
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync(process.execPath, [tsx, path.join(root, 'cli', 'main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
