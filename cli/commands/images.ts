/** `repairity images build <python|java>`: builds the sandbox images on this machine (no registry). */
import type { Command } from 'commander';
import { assertDockerReachable, createDockerClient } from '../../sandbox/docker/client.js';
import { buildImage } from '../../sandbox/images/build.js';
import { DEFAULT_BUILD, RECIPE_NAMES, loadRecipe } from '../../sandbox/images/recipe.js';
import { loadSettings } from '../../worker/settings.js';

export function registerImages(program: Command): void {
  const images = program.command('images').description('sandbox images, built locally from Debian with debootstrap');
  images
    .command('build')
    .description('build sandbox images (tagged by the hash of their recipe in images/<name>.json; rebuilt only when it changes)')
    .argument('[names...]', `images to build: ${RECIPE_NAMES.join(', ')} (default: ${DEFAULT_BUILD.join(', ')})`)
    .option('--force', 'rebuild the root file system even if the image or its cached tarball exists')
    .option('--mirror <url>', 'Debian mirror for debootstrap (default: the one apt uses)')
    .action(async (names: string[], opts: { force?: boolean; mirror?: string }) => {
      const { defaults, sandbox: settings } = loadSettings();
      const docker = createDockerClient(settings.dockerHost ? { host: settings.dockerHost } : {});
      await assertDockerReachable(docker);
      const families = (names.length ? names : [...DEFAULT_BUILD]).map((n) => loadRecipe(n).recipe.name);
      for (const family of families) {
        const built = await buildImage({
          docker,
          family,
          cacheDir: defaults.cacheDir,
          mirror: opts.mirror ?? settings.debianMirror,
          force: opts.force ?? false,
          log: (line) => process.stderr.write(`images: ${line}\n`),
        });
        process.stdout.write(`${built.tag}\n`);
      }
    });
  images
    .command('tags')
    .description('print the tag each sandbox image has for the current recipes')
    .action(() => {
      for (const family of RECIPE_NAMES) process.stdout.write(`${family}\t${loadRecipe(family).tag}\n`);
    });
}
