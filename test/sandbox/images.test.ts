/** Image recipes: tags named by the recipe hash, apt's mirror for debootstrap, the cached build. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildImage } from '../../sandbox/images/build.js';
import { debianMirror } from '../../sandbox/images/mirror.js';
import { defaultImageTags, loadRecipe } from '../../sandbox/images/recipe.js';
import { testDocker } from './helpers.js';
import { loadSettings } from '../../worker/settings.js';

describe('sandbox images', () => {
  it('tags each image by the hash of its recipe', () => {
    const python = loadRecipe('python');
    expect(python.tag).toMatch(/^repairity-sandbox-python:[0-9a-f]{16}$/);
    expect(python.recipe.packages).toEqual(expect.arrayContaining(['python3', 'python3-pytest', 'python3-numpy', 'python3-pandas']));
    expect(loadRecipe('java').recipe.packages).toEqual(expect.arrayContaining(['default-jdk-headless', 'junit4']));
    expect(defaultImageTags()).toEqual({ python: python.tag, java: loadRecipe('java').tag, bigcodebench: loadRecipe('bigcodebench').tag });
    expect(() => loadRecipe('ruby')).toThrow(/unknown sandbox image "ruby": choose one of python, java/);
  });

  it('takes the Debian mirror from apt (deb822 and one-line sources), skipping security', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'repairity-apt-'));
    try {
      mkdirSync(path.join(dir, 'sources.list.d'));
      expect(debianMirror(dir)).toBe('http://deb.debian.org/debian');
      writeFileSync(path.join(dir, 'sources.list.d', 'debian.sources'), 'Types: deb\nURIs: http://security.debian.org/debian-security\n\nTypes: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n');
      expect(debianMirror(dir)).toBe('http://mirror.example/debian');
      writeFileSync(path.join(dir, 'sources.list'), 'deb [arch=amd64] http://other.example/debian bookworm main\n');
      expect(debianMirror(dir)).toBe('http://other.example/debian');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a second build finds the image and does not rebuild it', async () => {
    const docker = testDocker();
    await buildImage({ docker, family: 'python', cacheDir: loadSettings().defaults.cacheDir });
    const started = Date.now();
    const again = await buildImage({ docker, family: 'python', cacheDir: loadSettings().defaults.cacheDir });
    expect(again).toEqual({ tag: loadRecipe('python').tag, source: 'docker' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
