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
