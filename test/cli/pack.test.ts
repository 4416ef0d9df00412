/**
 * The package as `npm pack` makes it, unpacked into an empty folder's node_modules the way
 * `npm install <tarball>` lays it out (its dependencies linked from this checkout's node_modules,
 * so that the test takes seconds; `make check-pack` does the full install): `npx repairity
 * validate` works on the user's own pipeline folder, runs the built JavaScript (the package holds
 * no TypeScript), and loads none of the Temporal, Claude, S3 or Docker SDKs, nor ajv.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot as repo } from '../helpers/built-cli.js';

const run = promisify(execFile);
const HEAVY = ['@temporalio/worker', '@temporalio/client', '@anthropic-ai/sdk', '@aws-sdk/client-s3', 'dockerode'];

let work: string;
let app: string;
let files: string[];

/** Runs the installed CLI in the app folder; never throws, returns the exit code. */
async function repairity(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['--no-install', 'repairity', ...args], { cwd: app, env: { PATH: process.env.PATH, HOME: work, npm_config_update_notifier: 'false', ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  await ensureBuilt();
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-pack-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repo });
  const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  files = packed.files.map((f) => f.path);
  app = path.join(work, 'app');
  const pkg = path.join(app, 'node_modules', 'repairity');
  await fs.mkdir(pkg, { recursive: true });
  await run('tar', ['-xzf', path.join(work, packed.filename), '-C', pkg, '--strip-components', '1']);
  for (const dep of await fs.readdir(path.join(repo, 'node_modules'))) {
    if (dep.startsWith('.') || dep === 'repairity') continue;
    await fs.symlink(path.join(repo, 'node_modules', dep), path.join(app, 'node_modules', dep));
  }
  await fs.mkdir(path.join(app, 'node_modules', '.bin'));
  await fs.symlink('../repairity/bin/repairity.js', path.join(app, 'node_modules', '.bin', 'repairity'));
  await fs.mkdir(path.join(app, 'pipelines', 'lib'), { recursive: true });
  await fs.writeFile(path.join(app, 'package.json'), '{ "name": "app", "private": true }\n');
  await fs.writeFile(
    path.join(app, 'pipelines', 'lib', 'pick.yaml'),
    'name: pick\nparams:\n  dataset: { type: string }\nsteps:\n  sample:\n    uses: data.sample\n    with: { dataset: "${{ params.dataset }}", count: 10 }\noutputs:\n  dataset: ${{ steps.sample.outputs.dataset }}\n',
  );
  await fs.writeFile(
    path.join(app, 'pipelines', 'mine.yaml'),
    'name: mine\nsteps:\n  pick:\n    pipeline: lib/pick.yaml\n    with: { dataset: s3://bucket/tasks.jsonl }\n  again:\n    uses: data.sample\n    with: { dataset: "${{ steps.pick.outputs.dataset }}", fraction: 0.5 }\n',
  );
  await fs.writeFile(path.join(app, 'pipelines', 'bad.yaml'), 'name: bad\nsteps:\n  a:\n    uses: data.sampel\n');
  // Records every module the CLI process resolves: ES modules through Node's module hooks (which run
  // in their own thread), CommonJS modules from require.cache at exit.
  const loadedFile = JSON.stringify(path.join(work, 'loaded.txt'));
  await fs.writeFile(
    path.join(work, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(spec, ctx, next) { const r = await next(spec, ctx); appendFileSync(${loadedFile}, r.url + '\\n'); return r; }\n`,
  );
  await fs.writeFile(
    path.join(work, 'register.mjs'),
    `import { appendFileSync } from 'node:fs';\nimport { createRequire, register } from 'node:module';\nregister(${JSON.stringify(`file://${path.join(work, 'hooks.mjs')}`)});\nconst { cache } = createRequire(import.meta.url);\nprocess.on('exit', () => appendFileSync(${loadedFile}, Object.keys(cache).join('\\n') + '\\n'));\n`,
  );
}, 120_000);

afterAll(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the build and no TypeScript sources', () => {
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/workflows/index.js');
    expect(files).toContain('sandbox/runtime/supervisor.py');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  it('validates the user’s own pipelines, sub-pipelines included', async () => {
    const ok = await repairity(['validate', 'pipelines/mine.yaml']);
    expect(ok.stderr).not.toContain('repairity');
    expect(ok.stdout).toMatch(/^pipelines\/mine\.yaml: ok \(2 steps, plan [0-9a-f]{12}\)$/m);
    const bad = await repairity(['validate', 'pipelines/bad.yaml', 'pipelines/mine.yaml']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('pipelines/bad.yaml:4:11: unknown step kind "data.sampel" in step "a"; did you mean "data.sample"?');
    expect(bad.stdout).toContain('pipelines/mine.yaml: ok');
  });

  it('validate runs from the V8 code cache made at build time, and without it when V8 refuses it', async () => {
    const cached = await repairity(['validate', 'pipelines/mine.yaml'], { REPAIRITY_CODE_CACHE: 'report' });
    expect(cached.code).toBe(0);
    expect(cached.stderr).toMatch(/^code cache accepted: .*\/node_modules\/repairity\/dist\/cli\/short\.cjs\.cache$/m);
    // Other V8 flags than the build's: V8 refuses the cache and compiles the bundle, same answer.
    const refused = await repairity(['validate', 'pipelines/mine.yaml'], { REPAIRITY_CODE_CACHE: 'report', NODE_OPTIONS: '--max-old-space-size=300' });
    expect(refused.stderr).toMatch(/^code cache rejected: /m);
    expect(refused.stdout).toBe(cached.stdout);
  });

  it('validate loads none of the heavy SDKs', async () => {
    const { code } = await repairity(['validate', 'pipelines/mine.yaml'], { NODE_OPTIONS: `--import ${path.join(work, 'register.mjs')}` });
    expect(code).toBe(0);
    const loaded = await fs.readFile(path.join(work, 'loaded.txt'), 'utf8');
    expect(loaded).toContain('/node_modules/repairity/dist/cli/main.js');
    for (const sdk of HEAVY) expect(loaded, sdk).not.toContain(`/node_modules/${sdk}/`);
    // The schemas' validators were generated at build time: ajv is not even loaded.
    expect(loaded).not.toContain('/node_modules/ajv/');
  });
});
