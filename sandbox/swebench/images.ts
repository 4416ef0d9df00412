/**
 * SWE-bench images, built on this machine from the official specs (docs/benchmarks/swebench.md):
 *
 *   repairity-sandbox-swebench:<hash>       Debian base (images/swebench.json, debootstrap)
 *   repairity-swebench-env:<hash>           + a venv at /opt/testbed with the (repo, version)'s
 *                                           packages: one image per spec and requirement files
 *   repairity-swebench-instance:<hash>      + the repository at base_commit in /testbed, set up by
 *                                           the harness's setup_repo.sh (pre_install, install)
 *
 * Packages are fetched on the host with `pip download` into a wheelhouse that travels in the image
 * (/opt/swebench/wheels); every build step then runs with no network, and so does every pip call
 * at test time (PIP_NO_INDEX, PIP_FIND_LINKS). Tags are hashes of what goes in, so an unchanged
 * recipe is found in Docker and never rebuilt.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { SandboxConfigError } from '../errors.js';
import { buildImage, imageExists } from '../images/build.js';
import type { SpecAnswer } from './bridge.js';
import type { SweBenchInstance } from './instance.js';
import { checkoutInto, fileAt } from './repo.js';
import { repoSetupScript, VENV } from './scripts.js';
import type { SweBenchSettings } from './settings.js';

/** Bump when what the builders below produce from the same inputs changes. */
const BUILD_VERSION = '1';
const WHEELS = '/opt/swebench/wheels';

export interface ImageContext {
  docker: Docker;
  settings: SweBenchSettings;
  /** Host interpreter whose pip downloads packages; must match the image's Python minor version. */
  hostPython?: string;
  log: (line: string) => void;
}

const hash = (...parts: string[]) => createHash('sha256').update(`build ${BUILD_VERSION}\n`).update(parts.join('\0')).digest('hex').slice(0, 16);

/** The requirements the spec's `packages` names, as pip lines. Conda's environment.yml is not realisable without conda. */
async function environmentRequirements(spec: SpecAnswer, instance: SweBenchInstance, gitDir: string): Promise<string> {
  const packages = spec.specs.packages ?? '';
  if (packages === 'environment.yml') {
    throw new SandboxConfigError(
      `${instance.repo} ${instance.version}: the official spec builds this environment from a conda environment.yml, which needs conda channels; ` +
        'run the official harness (python -m swebench.harness.run_evaluation) on a machine that reaches them',
    );
  }
  if (packages !== 'requirements.txt') {
    // A conda package list ("numpy scipy 'pandas<2.0.0'"): the same names from PyPI.
    return (packages.match(/'[^']*'|"[^"]*"|\S+/g) ?? []).map((p) => p.replace(/^['"]|['"]$/g, '')).join('\n');
  }
  for (const reqPath of spec.reqs_paths) {
    const text = await fileAt(gitDir, instance.environment_setup_commit, reqPath);
    if (text === undefined) continue;
    return expandIncludes(text, reqPath, gitDir, instance.environment_setup_commit);
  }
  throw new SandboxConfigError(`${instance.repo} at ${instance.environment_setup_commit} has none of the requirement files the spec names (${spec.reqs_paths.join(', ')})`);
}

/** `-r other.txt` lines inlined (relative to the including file), as the harness's get_requirements does; `-e .` dropped. */
async function expandIncludes(text: string, from: string, gitDir: string, commit: string): Promise<string> {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const include = /^\s*-r\s+(\S+)/.exec(line);
    if (include) {
      const target = path.posix.join(path.posix.dirname(from), include[1]!);
      const inner = await fileAt(gitDir, commit, target);
      if (inner !== undefined) out.push(await expandIncludes(inner, target, gitDir, commit));
    } else if (!/^\s*-e\s+\.?\s*$/.test(line)) out.push(line);
  }
  return out.join('\n');
}

function run(argv: string[], logFile: string, cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`$ ${argv.join(' ')}\n`);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('error', (err) => {
      out.end();
      reject(new SandboxConfigError(`cannot run ${argv[0]}: ${err.message}`, {}, { cause: err }));
    });
    child.on('close', (code) => {
      out.end();
      if (code === 0) resolve();
      else reject(new SandboxConfigError(`${argv.slice(0, 4).join(' ')} failed with exit code ${code}; see ${logFile}`));
    });
  });
}

async function pipDownload(ctx: ImageContext, dest: string, args: string[], logFile: string): Promise<void> {
  await fs.mkdir(dest, { recursive: true });
  if (args.length === 0) return;
  const python = ctx.hostPython ?? 'python3';
  await run([python, '-m', 'pip', 'download', '--quiet', '--cache-dir', path.join(ctx.settings.cacheDir, 'pip'), '-d', dest, ...args], logFile);
}

/** Writes the Dockerfile, builds the context folder with no network (every input is in it), removes the folder. */
async function buildContext(ctx: ImageContext, contextDir: string, dockerfile: string[], tag: string, logFile: string): Promise<string> {
  await fs.writeFile(path.join(contextDir, 'Dockerfile'), dockerfile.join('\n') + '\n');
  await dockerBuild(ctx, contextDir, tag, logFile);
  await fs.rm(contextDir, { recursive: true, force: true });
  return tag;
}

async function dockerBuild(ctx: ImageContext, contextDir: string, tag: string, logFile: string): Promise<void> {
  const tarball = spawn('tar', ['-C', contextDir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [repo, version] = tag.split(':') as [string, string];
  const progress = await ctx.docker.buildImage(tarball.stdout, { t: `${repo}:${version}`, networkmode: 'none', forcerm: true, rm: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  try {
    await new Promise<void>((resolve, reject) => {
      ctx.docker.modem.followProgress(
        progress,
        (err: Error | null, output: { error?: string }[]) => {
          const failed = output?.find((o) => o.error);
          if (err || failed) reject(new SandboxConfigError(`docker build of ${tag} failed: ${(err?.message ?? failed?.error ?? '').trim().slice(-400)}; see ${logFile}`));
          else resolve();
        },
        (event: { stream?: string }) => {
          if (event.stream) log.write(event.stream);
        },
      );
    });
  } finally {
    log.end();
  }
}

async function workDir(ctx: ImageContext, name: string): Promise<{ dir: string; logFile: string }> {
  const root = path.join(ctx.settings.cacheDir, 'swebench', 'build');
  const dir = path.join(root, name);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  return { dir, logFile: path.join(root, `${name}.log`) };
}

/** The environment image of the instance's (repo, version): base + venv with the spec's packages. */
export async function environmentImage(ctx: ImageContext, spec: SpecAnswer, instance: SweBenchInstance, gitDir: string): Promise<string> {
  const base = await buildImage({ docker: ctx.docker, family: 'swebench', cacheDir: ctx.settings.cacheDir, log: ctx.log });
  const requirements = await environmentRequirements(spec, instance, gitDir);
  const pipPackages = spec.specs.pip_packages ?? [];
  const tag = `repairity-swebench-env:${hash(base.tag, JSON.stringify(spec.specs), requirements)}`;
  if (await imageExists(ctx.docker, tag)) return tag;
  const { dir, logFile } = await workDir(ctx, tag.replace(/[:/]/g, '-'));
  ctx.log(`building ${tag} for ${instance.repo} ${instance.version} (Debian's Python 3 for the spec's python ${spec.specs.python ?? '?'}); log: ${logFile}`);
  await fs.writeFile(path.join(dir, 'requirements.txt'), requirements + '\n');
  await pipDownload(ctx, path.join(dir, 'wheels'), ['pip', 'setuptools', 'wheel', '-r', path.join(dir, 'requirements.txt'), ...pipPackages], logFile);
  const quoted = pipPackages.map((p) => `'${p.replace(/'/g, `'\\''`)}'`).join(' ');
  await fs.writeFile(
    path.join(dir, 'setup_env.sh'),
    ['#!/bin/bash', 'set -euxo pipefail', `python3 -m venv ${VENV}`, `source ${VENV}/bin/activate`, 'python -m pip install -r /opt/swebench/requirements.txt', ...(quoted ? [`python -m pip install ${quoted}`] : [])].join('\n') + '\n',
  );
  return buildContext(
    ctx,
    dir,
    [
      `FROM ${base.tag}`,
      `ENV PATH=${VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin VIRTUAL_ENV=${VENV} PIP_NO_INDEX=1 PIP_FIND_LINKS=${WHEELS} PIP_DISABLE_PIP_VERSION_CHECK=1 LANG=C.UTF-8`,
      `COPY wheels ${WHEELS}`,
      'COPY requirements.txt setup_env.sh /opt/swebench/',
      'RUN /bin/bash /opt/swebench/setup_env.sh',
    ],
    tag,
    logFile,
  );
}

/** Build requirements a pyproject.toml names ([build-system] requires), for installs with no network. */
function buildRequires(pyproject: string | undefined): string[] {
  const block = pyproject && /\[build-system\][^[]*?requires\s*=\s*\[([^\]]*)\]/s.exec(pyproject);
  return block ? [...block[1]!.matchAll(/["']([^"']+)["']/g)].map((m) => m[1]!) : [];
}

/** The instance image: the environment + the repository at base_commit, set up as the harness does. */
export async function instanceImage(ctx: ImageContext, envTag: string, spec: SpecAnswer, instance: SweBenchInstance, gitDir: string): Promise<string> {
  const setup = repoSetupScript(spec.repo_script_list);
  const tag = `repairity-swebench-instance:${hash(envTag, instance.instance_id, instance.base_commit, setup)}`;
  if (await imageExists(ctx.docker, tag)) return tag;
  const { dir, logFile } = await workDir(ctx, tag.replace(/[:/]/g, '-'));
  ctx.log(`building ${tag} for ${instance.instance_id}; log: ${logFile}`);
  const testbed = path.join(dir, 'testbed');
  await checkoutInto(gitDir, instance.base_commit, testbed);
  const requires = buildRequires(await fileAt(gitDir, instance.base_commit, 'pyproject.toml'));
  await pipDownload(ctx, path.join(dir, 'wheels'), ['setuptools', 'wheel', ...requires, testbed], logFile);
  await fs.writeFile(path.join(dir, 'setup_repo.sh'), setup);
  return buildContext(
    ctx,
    dir,
    [
      `FROM ${envTag}`,
      `ENV PIP_FIND_LINKS="${WHEELS} /opt/swebench/wheels-instance"`,
      'COPY wheels /opt/swebench/wheels-instance',
      'COPY testbed /testbed',
      'COPY setup_repo.sh /root/',
      'RUN /bin/bash /root/setup_repo.sh',
      'WORKDIR /testbed/',
    ],
    tag,
    logFile,
  );
}
