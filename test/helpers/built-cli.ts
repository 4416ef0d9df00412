/**
 * The built CLI (dist/, `make build`), rebuilt from the current sources before the tests that run
 * it (esbuild takes about a second), so that they never test a stale build.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const builtMain = path.join(repoRoot, 'dist', 'cli', 'main.js');

let built: Promise<unknown> | undefined;

export async function ensureBuilt(): Promise<void> {
  built ??= promisify(execFile)('make', ['-s', 'build'], { cwd: repoRoot });
  await built;
}
