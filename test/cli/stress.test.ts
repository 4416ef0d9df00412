/**
 * Fuzz and stress: `repairity validate` (the built CLI, one process per case) on generated hostile
 * or huge input ends with a message at file:line:column, never a stack trace, within 2 s of CPU
 * time and 500 MB of memory, both measured in the child (process.resourceUsage at exit). Wall
 * time is only bounded loosely (a hang, such as a read that waits on a FIFO, uses no CPU): this
 * machine is shared, and the CPU figure is the one that does not depend on its load.
 * Every input is generated here; nothing comes from outside the repository.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../compiler/limits.js';
import { builtMain, ensureBuilt } from '../helpers/built-cli.js';
import { rng } from '../helpers/rng.js';

const CPU_LIMIT_MS = 2000;
const RSS_LIMIT_KB = 500 * 1024;
const WALL_LIMIT_MS = 30_000;

let work: string;
let pipelines: string;
const measured: string[] = [];

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  cpuMs: number;
  maxRssKb: number;
  wallMs: number;
}

async function validate(name: string, ...files: string[]): Promise<Outcome> {
  const usage = path.join(work, `${name.replace(/[^a-z0-9]+/gi, '-')}.usage.json`);
  const started = performance.now();
  const outcome = await new Promise<Omit<Outcome, 'cpuMs' | 'maxRssKb' | 'wallMs'>>((resolve) => {
    execFile(
      process.execPath,
      ['--import', path.join(work, 'usage.mjs'), builtMain, 'validate', ...files],
      { cwd: work, timeout: WALL_LIMIT_MS, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, STRESS_USAGE: usage, REPAIRITY_PIPELINES: pipelines } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
  const wallMs = performance.now() - started;
  const { cpuMs, maxRssKb } = JSON.parse(await fs.readFile(usage, 'utf8')) as { cpuMs: number; maxRssKb: number };
  measured.push(`${name.padEnd(28)} cpu ${(cpuMs / 1000).toFixed(2)} s  wall ${(wallMs / 1000).toFixed(2)} s  rss ${(maxRssKb / 1024).toFixed(0)} MB`);
  return { ...outcome, cpuMs, maxRssKb, wallMs };
}

/** A refused file: exit 1, a positioned message, no trace, inside the bounds. */
function expectRefused(o: Outcome, file: string, fragment: string | RegExp): void {
  expect(o.code, o.stderr).toBe(1);
  expectBounded(o);
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expect(o.stderr).toMatch(new RegExp(`${escaped}:\\d+:\\d+: `));
  if (typeof fragment === 'string') expect(o.stderr).toContain(fragment);
  else expect(o.stderr).toMatch(fragment);
}

function expectBounded(o: Outcome): void {
  expect(o.stderr).not.toMatch(/^\s+at /m);
  expect(o.stderr).not.toContain('internal compiler error');
  expect(o.cpuMs).toBeLessThan(CPU_LIMIT_MS);
  expect(o.maxRssKb).toBeLessThan(RSS_LIMIT_KB);
  expect(o.stderr.length).toBeLessThan(1024 * 1024);
}

async function write(name: string, text: string | Buffer): Promise<string> {
  const file = path.join(pipelines, name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
  return file;
}

const step = (id: string, extra = ''): string => `  ${id}:\n    uses: data.sample\n    with: { dataset: x, count: 1 }\n${extra}`;

beforeAll(async () => {
  await ensureBuilt();
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-stress-'));
  pipelines = path.join(work, 'pipelines');
  await fs.mkdir(pipelines);
  await fs.writeFile(
    path.join(work, 'usage.mjs'),
    "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => { const u = process.resourceUsage(); writeFileSync(process.env.STRESS_USAGE, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKb: u.maxRSS })); });\n",
  );
}, 120_000);

afterAll(async () => {
  console.log(`repairity validate under stress (load ${os.loadavg()[0]!.toFixed(1)}):\n${measured.join('\n')}`);
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe('validate under stress', () => {
  it('a 5 MB file is refused by its size before it is parsed', async () => {
    const file = await write('huge.yaml', `name: huge\ndescription: "${'x'.repeat(5 * 1024 * 1024)}"\nsteps:\n${step('a')}`);
    expectRefused(await validate('huge file (5 MB)', file), file, 'the limit is 512 KiB per pipeline file');
  });

  it('a file just under the size limit is read in full', async () => {
    const file = await write('big.yaml', `name: big\ndescription: "${'x'.repeat(LIMITS.fileBytes - 200)}"\nsteps:\n${step('a')}`);
    const o = await validate('big file (under limit)', file);
    expect(o.code, o.stderr).toBe(0);
    expectBounded(o);
  });

  it('block nesting: 1,000 levels, and 2,000 (whose indentation alone passes the size limit)', async () => {
    const nested = (levels: number, indent: number): string => Array.from({ length: levels }, (_, i) => `${' '.repeat(6 + indent * i)}k:\n`).join('');
    const file = await write('deep-block.yaml', `name: deep\nsteps:\n  a:\n    uses: data.sample\n    with:\n${nested(1000, 1)}`);
    expectRefused(await validate('block nesting 1,000', file), file, `the limit is ${LIMITS.depth} levels`);
    const wide = await write('deep-block-2000.yaml', `name: deep\nsteps:\n  a:\n    uses: data.sample\n    with:\n${nested(2000, 2)}`);
    expectRefused(await validate('block nesting 2,000', wide), wide, 'the limit is 512 KiB per pipeline file');
  });

  it('2,000 levels of flow nesting, and of "- - -" on one line', async () => {
    const flow = await write('deep-flow.yaml', `name: deep\nsteps:\n  a:\n    uses: data.sample\n    with: { dataset: ${'['.repeat(2000)}${']'.repeat(2000)} }\n`);
    expectRefused(await validate('flow nesting 2,000', flow), flow, `the limit is ${LIMITS.depth} levels`);
    const dashes = await write('deep-dash.yaml', `name: deep\nsteps:\n  a:\n    uses: data.sample\n    with:\n      x:\n        ${'- '.repeat(2000)}1\n`);
    expectRefused(await validate('"- " nesting 2,000', dashes), dashes, `the limit is ${LIMITS.depth} levels`);
  });

  it('anchors that nest through each other, and a billion laughs', async () => {
    let chain = 'name: n\nx0: &a0 [1]\n';
    for (let i = 1; i < 2000; i++) chain += `x${i}: &a${i} [[*a${i - 1}]]\n`;
    const deep = await write('alias-depth.yaml', chain);
    expectRefused(await validate('alias chain 2,000', deep), deep, 'once its YAML aliases are expanded');
    let lol = 'name: lol\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    for (let i = 1; i < 10; i++) lol += `l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]\n`;
    const bomb = await write('laughs.yaml', `${lol}steps:\n${step('a')}`);
    expectRefused(await validate('billion laughs', bomb), bomb, 'YAML aliases expand to more than');
  });

  it('60 steps sharing one anchor through <<: *common', async () => {
    let text = 'name: shared\nsteps:\n  s0: &common\n    uses: data.sample\n    retry: { attempts: 2 }\n    with: { dataset: x, count: 1 }\n';
    for (let i = 1; i < 60; i++) text += `  s${i}:\n    <<: *common\n    timeout: ${i}m\n`;
    const file = await write('merge.yaml', text);
    const o = await validate('60 merges of one anchor', file);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toContain('ok (60 steps');
  });

  it(`a chain of 10,000 steps is refused by the step limit; one of ${LIMITS.steps.toLocaleString('en')} compiles`, async () => {
    const chain = (n: number): string => {
      let text = `name: chain\nsteps:\n${step('s0')}`;
      for (let i = 1; i < n; i++) text += `  s${i}: { uses: data.sample, with: { dataset: "\${{ steps.s${i - 1}.outputs.dataset }}", count: 1 } }\n`;
      return text;
    };
    const over = await write('chain-10000.yaml', chain(10_000));
    expectRefused(await validate('chain 10,000', over), over, 'the limit is 512 KiB per pipeline file');
    let small = 'name: many\nsteps:\n';
    for (let i = 0; i <= LIMITS.steps; i++) small += `  s${i}: { uses: data.sample }\n`;
    const many = await write('many-steps.yaml', small);
    expectRefused(await validate(`${LIMITS.steps + 1} small steps`, many), many, `the limit is ${LIMITS.steps.toLocaleString('en')} steps per file`);
    const at = await write('chain-at-limit.yaml', chain(LIMITS.steps));
    const o = await validate(`chain ${LIMITS.steps.toLocaleString('en')}`, at);
    expect(o.code, o.stderr).toBe(0);
    expectBounded(o);
  });

  it('10,000 misspelt references, each with a did-you-mean', async () => {
    let text = 'name: typos\nsteps:\n';
    for (let i = 0; i < 2000; i++) text += `  step${i}:\n    uses: data.sample\n    needs: [${[1, 2, 3, 4, 5].map((k) => `stpe${(i + k) % 2000}`).join(', ')}]\n    with: { dataset: x, count: 1 }\n`;
    const file = await write('typos.yaml', text);
    const o = await validate('misspelt refs 10,000', file);
    expectRefused(o, file, 'step "step0" needs unknown step "stpe1"; did you mean "step1"?');
    expect(o.stderr).toContain('(10,000 problems)');
    expect(o.stderr).toContain('… and 9,800 more problems');
  });

  it('a cycle through 10,000 steps, and through every step at the limit', async () => {
    const cycle = (n: number): string => {
      let text = 'name: cycle\nsteps:\n';
      for (let i = 0; i < n; i++) text += `  s${i}: { uses: data.sample, needs: s${(i + 1) % n}, with: { dataset: x, count: 1 } }\n`;
      return text;
    };
    const over = await write('cycle-10000.yaml', cycle(10_000));
    expectRefused(await validate('cycle 10,000', over), over, 'the limit is 512 KiB per pipeline file');
    const at = await write('cycle-at-limit.yaml', cycle(LIMITS.steps));
    const o = await validate(`cycle ${LIMITS.steps.toLocaleString('en')}`, at);
    expectRefused(o, at, /dependency cycle: s0 -> s1 -> .* \(\d+ more steps\) -> s1999 -> s0/);
  });

  it('a 200 KB kind name and a 1,000-character step id are quoted cut short', async () => {
    const file = await write('long-names.yaml', `name: long\nsteps:\n  ${'b'.repeat(1000)}:\n    uses: ${'k'.repeat(200_000)}\n`);
    const o = await validate('200 KB kind name', file);
    expectRefused(o, file, 'unknown step kind "kkkk');
    expect(o.stderr).toContain('(200000 characters)');
    expect(o.stderr).toContain('(1000 characters)');
    expect(o.stderr.length).toBeLessThan(4000);
  });

  it('devices, FIFOs, folders, links and paths outside the pipelines folder as sub-pipelines', async () => {
    const fifo = path.join(pipelines, 'lib', 'fifo.yaml');
    await fs.mkdir(path.dirname(fifo), { recursive: true });
    execFileSync('mkfifo', [fifo]);
    await fs.mkdir(path.join(pipelines, 'lib', 'folder.yaml'));
    await fs.symlink('/etc/passwd', path.join(pipelines, 'lib', 'link.yaml'));
    const targets = ['/dev/zero', '/dev/urandom', 'lib/fifo.yaml', 'lib/folder.yaml', 'lib/link.yaml', '/etc/passwd', '../../../../../../etc/hostname', 'missing.yaml'];
    const file = await write('includes.yaml', `name: includes\nsteps:\n${targets.map((t, i) => `  i${i}:\n    pipeline: ${t}\n`).join('')}`);
    const o = await validate('devices and FIFOs', file);
    expectRefused(o, file, 'not a regular file');
    expect(o.stderr).toContain('is outside the pipelines folder');
    expect(o.stderr).toContain('is a folder, not a pipeline file');
    expect(o.stderr).toContain('no such file');
    expect(o.stderr).not.toContain('root:');
    expect(o.stderr.match(/cannot read pipeline/g)?.length).toBe(targets.length);
  });

  it('the top-level file may not be a device or a FIFO either', async () => {
    const o = await validate('/dev/zero as the file', '/dev/zero');
    expectRefused(o, '/dev/zero', 'not a regular file');
  });

  it('sub-pipelines nested past the include limit', async () => {
    const depth = LIMITS.includeDepth + 4;
    for (let i = 0; i < depth; i++) {
      await write(`nest/n${i}.yaml`, `name: n${i}\nsteps:\n  next:\n    pipeline: n${i + 1}.yaml\n`);
    }
    await write(`nest/n${depth}.yaml`, `name: last\nsteps:\n${step('a')}`);
    const o = await validate('include depth', path.join(pipelines, 'nest', 'n0.yaml'));
    expectRefused(o, path.join(pipelines, 'nest', `n${LIMITS.includeDepth}.yaml`), `the limit is ${LIMITS.includeDepth}`);
  });

  it('random bytes, and random text made of YAML characters', async () => {
    const random = rng(20);
    const files: string[] = [];
    const alphabet = [...'abcxyz019 \n\n\n  :::---[]{},"\'&*!|>#%@`?\t\\'].concat(['${{', '}}', 'steps:', 'uses: ', '<<: *a', '&a ', 'Ж', '\u200b']);
    for (let i = 0; i < 8; i++) {
      const bytes = Buffer.alloc(1 + Math.floor(random() * 8192));
      for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(random() * 256);
      files.push(await write(`random-bytes-${i}.yaml`, bytes));
      let text = 'name: r\n';
      for (let k = Math.floor(random() * 4000); k > 0; k--) text += alphabet[Math.floor(random() * alphabet.length)];
      files.push(await write(`random-text-${i}.yaml`, text));
    }
    const o = await validate('random input (16 files)', ...files);
    expect(o.code).toBe(1);
    expectBounded(o);
    for (const f of files) expect(o.stderr).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
  });
});
