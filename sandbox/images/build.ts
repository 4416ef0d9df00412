/**
 * Builds sandbox images without a registry: debootstrap a Debian root file system with the
 * recipe's packages, prune it, add the sandbox user, pack it as a tarball in the cache and
 * `docker import` it under a tag named by the recipe's hash.
 *
 * Three levels of cache, cheapest first: the tag already in Docker; the tarball in
 * `<cacheDir>/sandbox/images/` (re-imported in seconds); a full debootstrap (minutes).
 */

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { SandboxConfigError } from '../errors.js';
import { withBuildLock } from './build-lock.js';
import { debianMirror } from './mirror.js';
import { loadRecipe, type LoadedRecipe, type RecipeName } from './recipe.js';

export interface BuildImageOptions {
  docker: Docker;
  family: RecipeName;
  /** The project cache folder ($REPAIRITY_CACHE). */
  cacheDir: string;
  /** Debian mirror for debootstrap; default: apt's configured mirror (see mirror.ts). */
  mirror?: string;
  /** Rebuild the root file system even when the tag or tarball exists. */
  force?: boolean;
  /** Progress lines for people. Default: none. */
  log?: (line: string) => void;
}

export interface BuiltImage {
  tag: string;
  /** Where the image came from this time. */
  source: 'docker' | 'tarball' | 'debootstrap';
}

export async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  const log = options.log ?? (() => undefined);
  const loaded = loadRecipe(options.family);
  const { tag } = loaded;
  if (!options.force && (await imageExists(options.docker, tag))) {
    log(`${tag} is already in Docker`);
    return { tag, source: 'docker' };
  }
  const dir = path.join(options.cacheDir, 'sandbox', 'images');
  await fs.mkdir(dir, { recursive: true });
  const tarball = path.join(dir, `${options.family}-${loaded.hash}.tar`);
  let source: BuiltImage['source'] = 'tarball';
  if (options.force || !(await exists(tarball))) {
    await withBuildLock(
      `${tarball}.lock`,
      (pid) => log(`waiting for process ${pid}, which is building ${options.family} already`),
      async () => {
        if (!options.force && (await exists(tarball))) return;
        source = 'debootstrap';
        await buildRootfsTarball(loaded, tarball, dir, options.mirror ?? debianMirror(), log);
      },
    );
  }
  log(`importing ${tarball} as ${tag}`);
  await importTarball(options.docker, tarball, tag);
  log(`built ${tag} (from ${source})`);
  return { tag, source };
}

async function buildRootfsTarball(loaded: LoadedRecipe, tarball: string, dir: string, mirror: string, log: (line: string) => void): Promise<void> {
  const { recipe } = loaded;
  // Per-build names: builds of the same image by several processes sharing the cache must not
  // remove or overwrite each other's work; the last to finish renames its tarball into place.
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const work = path.join(dir, `build-${recipe.name}-${loaded.hash}-${unique}`);
  const rootfs = path.join(work, 'rootfs');
  const logFile = path.join(dir, `build-${recipe.name}-${loaded.hash}-${unique}.log`);
  await run(['rm', '-rf', work], logFile);
  await fs.mkdir(work, { recursive: true });
  log(`debootstrap ${recipe.suite} (${recipe.variant}) from ${mirror} with ${recipe.packages.length} packages; log: ${logFile}`);
  await run(
    ['debootstrap', `--variant=${recipe.variant}`, `--include=${recipe.packages.join(',')}`, recipe.suite, rootfs, mirror],
    logFile,
    true,
  );
  for (const rel of recipe.prune) {
    if (rel.includes('..') || path.isAbsolute(rel)) throw new SandboxConfigError(`image recipe ${recipe.name}: prune path ${rel} must be relative`);
    await run(['rm', '-rf', path.join(rootfs, rel)], logFile, true);
  }
  const { name, uid } = recipe.user;
  await appendAsRoot(path.join(rootfs, 'etc', 'passwd'), `${name}:x:${uid}:${uid}:sandbox:/work:/bin/bash\n`, logFile);
  await appendAsRoot(path.join(rootfs, 'etc', 'group'), `${name}:x:${uid}:\n`, logFile);
  log(`packing ${rootfs} into ${tarball}`);
  const partial = `${tarball}.${unique}.partial`;
  await run(['tar', '-C', rootfs, '--numeric-owner', '-cf', partial, '.'], logFile, true);
  await run(['chown', String(process.getuid?.() ?? 0), partial], logFile, true);
  await fs.rename(partial, tarball);
  await run(['rm', '-rf', work], logFile, true);
}

async function importTarball(docker: Docker, tarball: string, tag: string): Promise<void> {
  const [repo, version] = tag.split(':') as [string, string];
  const progress = await docker.importImage(createReadStream(tarball), { repo, tag: version });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(progress, (err: Error | null, output: { error?: string }[]) => {
      const failed = output?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed?.error));
      else resolve();
    });
  });
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Runs a command (as root: through `sudo -n` unless we are root), appending its output to a log. */
function run(argv: string[], logFile: string, asRoot = false): Promise<void> {
  const needSudo = asRoot && process.getuid?.() !== 0;
  const [cmd, ...args] = needSudo ? ['sudo', '-n', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`$ ${argv.join(' ')}\n`);
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('error', (err) => {
      out.end();
      reject(new SandboxConfigError(`cannot run ${argv[0]}: ${err.message} (install it: apt-get install debootstrap docker.io)`, {}, { cause: err }));
    });
    child.on('close', (code) => {
      out.end();
      if (code === 0) resolve();
      else reject(new SandboxConfigError(`${argv.slice(0, 2).join(' ')} failed with exit code ${code}; see ${logFile}`));
    });
  });
}

async function appendAsRoot(file: string, text: string, logFile: string): Promise<void> {
  if (process.getuid?.() === 0) {
    await fs.appendFile(file, text);
    return;
  }
  await run(['sh', '-c', `printf '%s' "$1" >> "$2"`, 'sh', text, file], logFile, true);
}
