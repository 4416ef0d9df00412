/**
 * bench/cli: how long `repairity validate` takes, as a user runs it (`node bin/repairity.js`,
 * the built CLI), on the shipped pipeline (pipelines/repairity.yaml, with its sub-pipelines) and
 * on a generated 1,000-step file, against `node -e ''` (starting Node itself) as the floor.
 * Each figure is the median wall time of BENCH_ROUNDS runs (default 7), with the median CPU time
 * (user + system, from the child's rusage) beside it: on a loaded machine wall time grows with
 * the load while CPU time does not. Ends with `cli: validate X s (goal < 0.3 s)`, X the shipped
 * pipeline's median wall time.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const GOAL_S = 0.3;
const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'repairity.js');

interface Sample {
  wallS: number;
  cpuS: number;
}

/** One run of `node <args>`: wall time, and CPU time from a usage hook that writes at exit. */
async function once(args: string[], usageHook: string, usageFile: string): Promise<Sample> {
  const started = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', usageHook, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, BENCH_USAGE: usageFile } });
    child.once('exit', resolve);
  });
  const wallS = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`);
  const { cpuMs } = JSON.parse(await fs.readFile(usageFile, 'utf8')) as { cpuMs: number };
  return { wallS, cpuS: cpuMs / 1000 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(label: string, args: string[], hook: string, dir: string): Promise<Sample> {
  const samples: Sample[] = [];
  for (let i = 0; i < ROUNDS; i++) samples.push(await once(args, hook, path.join(dir, 'usage.json')));
  const result = { wallS: median(samples.map((s) => s.wallS)), cpuS: median(samples.map((s) => s.cpuS)) };
  console.log(`${label.padEnd(40)} ${result.wallS.toFixed(3)} s wall  ${result.cpuS.toFixed(3)} s cpu  (median of ${ROUNDS})`);
  return result;
}

/** Whether V8 takes the build's code cache of `validate` (cli/code-cache.ts): the figures depend on it. */
async function codeCacheStatus(): Promise<string> {
  const child = spawn(process.execPath, [bin, 'validate', 'pipelines/repairity.yaml'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, REPAIRITY_CODE_CACHE: 'report' } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise((resolve) => child.once('close', resolve));
  return stderr.split('\n').find((l) => l.startsWith('code cache')) ?? 'code cache: no report (the CLI runs from its TypeScript sources?)';
}

const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');

function generated(steps: number): string {
  let text = 'name: generated\nparams:\n  fraction: { type: number, default: 0.5 }\nsteps:\n  s0:\n    uses: data.sample\n    with: { dataset: s3://bucket/tasks.jsonl, fraction: "${{ params.fraction }}" }\n';
  for (let i = 1; i < steps; i++) text += `  s${i}:\n    uses: data.sample\n    with: { dataset: "\${{ steps.s${i - 1}.outputs.dataset }}", count: 10 }\n`;
  return text;
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-cli-'));
  try {
    const hook = path.join(dir, 'usage.mjs');
    await fs.writeFile(
      hook,
      "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => { const u = process.resourceUsage(); writeFileSync(process.env.BENCH_USAGE, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 })); });\n",
    );
    const big = path.join(dir, 'generated-1000.yaml');
    await fs.writeFile(big, generated(1000));
    console.log(`bench-cli: load average ${loadAverage()}, ${os.cpus().length} CPUs`);
    console.log(`bench-cli: ${await codeCacheStatus()}`);
    const floor = await measure("node -e '' (floor)", ['-e', ''], hook, dir);
    const shipped = await measure('validate pipelines/repairity.yaml', [bin, 'validate', 'pipelines/repairity.yaml'], hook, dir);
    const large = await measure('validate generated 1,000-step file', [bin, 'validate', big], hook, dir);
    console.log(`over the floor: shipped ${(shipped.wallS - floor.wallS).toFixed(3)} s, 1,000 steps ${(large.wallS - floor.wallS).toFixed(3)} s`);
    console.log(`bench-cli: load average at the end ${loadAverage()}`);
    console.log(`cli: validate ${shipped.wallS.toFixed(3)} s (goal < ${GOAL_S} s)`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await main();
