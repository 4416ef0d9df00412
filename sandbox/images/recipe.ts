/**
 * Sandbox image recipes (images/<name>.json): a Debian suite, a debootstrap variant, the packages,
 * what to prune, the non-root user. An image is tagged by the hash of its recipe (and of the
 * build procedure's version), so a changed recipe means a new tag and a rebuild; an unchanged one
 * is found in Docker, or re-imported from the cached root file system tarball.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../core/package-root.js';
import { SandboxConfigError } from '../errors.js';

/** Images the sandbox pool runs tasks in (bigcodebench: Python with BigCodeBench's libraries). */
export type ImageFamily = 'python' | 'java' | 'bigcodebench';
export const IMAGE_FAMILIES: readonly ImageFamily[] = ['python', 'java', 'bigcodebench'];
/** What `repairity images build` builds when no image is named (the others are large and optional). */
export const DEFAULT_BUILD: readonly ImageFamily[] = ['python', 'java'];
/** Every recipe: the pool's families and the base of the SWE-bench images. */
export type RecipeName = ImageFamily | 'swebench';
export const RECIPE_NAMES: readonly RecipeName[] = [...IMAGE_FAMILIES, 'swebench'];

export interface ImageRecipe {
  name: RecipeName;
  description: string;
  suite: string;
  variant: string;
  packages: string[];
  prune: string[];
  user: { name: string; uid: number };
}

/** Bump when the build procedure (build.ts) changes what it produces from the same recipe. */
const BUILD_VERSION = '1';

export function recipeUrl(family: RecipeName): URL {
  return pathToFileURL(path.join(packageRoot(), 'images', `${family}.json`));
}

export interface LoadedRecipe {
  recipe: ImageRecipe;
  hash: string;
  tag: string;
}

export function loadRecipe(family: string): LoadedRecipe {
  if (!(RECIPE_NAMES as readonly string[]).includes(family)) {
    throw new SandboxConfigError(`unknown sandbox image "${family}": choose one of ${RECIPE_NAMES.join(', ')}`);
  }
  const url = recipeUrl(family as RecipeName);
  const text = readFileSync(url, 'utf8');
  const recipe = JSON.parse(text) as ImageRecipe;
  const hash = createHash('sha256').update(`build ${BUILD_VERSION}\n`).update(text).digest('hex').slice(0, 16);
  return { recipe, hash, tag: `repairity-sandbox-${family}:${hash}` };
}

/** The tags `repairity images build` makes, used when no image is named. */
export function defaultImageTags(): Record<ImageFamily, string> {
  return { python: loadRecipe('python').tag, java: loadRecipe('java').tag, bigcodebench: loadRecipe('bigcodebench').tag };
}
