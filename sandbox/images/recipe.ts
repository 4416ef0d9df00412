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

export type ImageFamily = 'python' | 'java';
export const IMAGE_FAMILIES: readonly ImageFamily[] = ['python', 'java'];

export interface ImageRecipe {
  name: ImageFamily;
  description: string;
  suite: string;
  variant: string;
  packages: string[];
  prune: string[];
  user: { name: string; uid: number };
}

/** Bump when the build procedure (build.ts) changes what it produces from the same recipe. */
const BUILD_VERSION = '1';

export function recipeUrl(family: ImageFamily): URL {
  return pathToFileURL(path.join(packageRoot(), 'images', `${family}.json`));
}

export interface LoadedRecipe {
  recipe: ImageRecipe;
  hash: string;
  tag: string;
}

export function loadRecipe(family: string): LoadedRecipe {
  if (!(IMAGE_FAMILIES as readonly string[]).includes(family)) {
    throw new SandboxConfigError(`unknown sandbox image "${family}": choose one of ${IMAGE_FAMILIES.join(', ')}`);
  }
  const url = recipeUrl(family as ImageFamily);
  const text = readFileSync(url, 'utf8');
  const recipe = JSON.parse(text) as ImageRecipe;
  const hash = createHash('sha256').update(`build ${BUILD_VERSION}\n`).update(text).digest('hex').slice(0, 16);
  return { recipe, hash, tag: `repairity-sandbox-${family}:${hash}` };
}

/** The tags `repairity images build` makes, used when no image is named. */
export function defaultImageTags(): { python: string; java: string } {
  return { python: loadRecipe('python').tag, java: loadRecipe('java').tag };
}
