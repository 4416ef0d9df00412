/**
 * The folder of the installed package (the one holding package.json), for the files that ship
 * beside the code: sandbox/runtime/, images/, trainer/, workflows/. The code runs either from its
 * sources (`<root>/<area>/x.ts`) or from the build (`<root>/dist/...`), so a module cannot reach
 * those files by a fixed relative path; it walks up from itself instead.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root === undefined) {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    root = dir;
  }
  return root;
}

/** Whether this code runs from the build (dist/) rather than from its TypeScript sources. */
export const runsFromBuild = !import.meta.url.endsWith('.ts');
