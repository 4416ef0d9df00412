/**
 * The repository of an instance: a local mirror (REPAIRITY_SWEBENCH_REPOS/<owner>__<name>) or a
 * clone of REPAIRITY_SWEBENCH_CLONE_URL, kept under the cache and fetched again only when a commit
 * is missing.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { SandboxConfigError } from '../errors.js';
import type { SweBenchSettings } from './settings.js';

const exec = promisify(execFile);

export async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await exec('git', args, { cwd, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new SandboxConfigError(`git ${args.slice(0, 3).join(' ')} in ${cwd} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-2).join(' ')}`, {}, { cause: err });
  }
}

const dirName = (repo: string) => repo.replace('/', '__');

async function hasCommit(dir: string, commit: string): Promise<boolean> {
  return exec('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: dir }).then(
    () => true,
    () => false,
  );
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/** A git directory holding `commits`: the mirror when it has them, else the cached clone. */
export async function repositoryWith(settings: SweBenchSettings, repo: string, commits: string[]): Promise<string> {
  if (settings.reposDir) {
    const mirror = path.join(settings.reposDir, dirName(repo));
    if (await exists(mirror)) {
      for (const c of commits) if (!(await hasCommit(mirror, c))) throw new SandboxConfigError(`the mirror ${mirror} of ${repo} has no commit ${c}; update it (git fetch) or remove it to clone ${settings.cloneUrl}`);
      return mirror;
    }
  }
  const clone = path.join(settings.cacheDir, 'swebench', 'repos', dirName(repo));
  const url = settings.cloneUrl.replace('{repo}', repo);
  if (!(await exists(path.join(clone, '.git'))) && !(await exists(path.join(clone, 'HEAD')))) {
    await fs.mkdir(path.dirname(clone), { recursive: true });
    await git(path.dirname(clone), ['clone', '--quiet', '--no-checkout', url, clone]);
  }
  for (const c of commits) {
    if (await hasCommit(clone, c)) continue;
    await git(clone, ['fetch', '--quiet', 'origin', c]).catch(() => git(clone, ['fetch', '--quiet', 'origin']));
    if (!(await hasCommit(clone, c))) throw new SandboxConfigError(`${url} has no commit ${c} (instance of ${repo})`);
  }
  return clone;
}

/** A file at a commit, or undefined when the commit has no such file. */
export async function fileAt(dir: string, commit: string, file: string): Promise<string | undefined> {
  return exec('git', ['show', `${commit}:${file}`], { cwd: dir, maxBuffer: 64 * 1024 * 1024 }).then(
    (r) => r.stdout,
    () => undefined,
  );
}

/** A working copy of `dir` checked out at `commit` (with its history), at `dest`. */
export async function checkoutInto(dir: string, commit: string, dest: string): Promise<void> {
  await fs.rm(dest, { recursive: true, force: true });
  await git(path.dirname(dest), ['clone', '--quiet', '--no-checkout', dir, dest]);
  await git(dest, ['checkout', '--quiet', '--detach', commit]);
}
