/**
 * For the crash tests: training worker processes that a test can SIGKILL, the running step's
 * last heartbeat as the server holds it, and the processes working in a folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import os from 'node:os';
import { afterAll, beforeAll, inject } from 'vitest';
import type { TrainingHeartbeat } from '../../kinds/training/index.js';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { trainerPython } from '../../core/env.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface CrashHarness {
  engine: TestEngine;
  /** A scratch folder of the test file (workers' trainer work folders go below it). */
  root: string;
  /** Worker processes started; any still running are killed after the file's tests. */
  children: ChildProcess[];
}

/** An engine without workers and a scratch folder for one test file, set up before its tests and removed after. */
export function crashHarness(prefix: string): CrashHarness {
  const h = { children: [] as ChildProcess[] } as CrashHarness;
  beforeAll(async () => {
    h.root = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    h.engine = await createTestEngine({ startWorkers: false });
  });
  afterAll(async () => {
    for (const c of h.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h.engine?.close();
    if (h.root) await fs.rm(h.root, { recursive: true, force: true });
  });
  return h;
}

/** The `defaults:` of the crash tests' pipelines: no cache, a short heartbeat timeout, quick retries. */
export const CRASH_DEFAULTS = `defaults:
  cache: false
  heartbeatTimeout: 5s
  retry: { attempts: 6, initialInterval: 200ms }`;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function jsonl(rows: object[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/** Starts a worker process serving the cpu and gpu queues of `engine`; resolves once it polls. */
export function startWorker(engine: TestEngine, workRoot: string, children: ChildProcess[]): Promise<ChildProcess> {
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    QUEUE_PREFIX: engine.queuePrefix,
    STORE_DIR: engine.storeDir,
    QUEUES: 'cpu,gpu',
    REPAIRITY_PYTHON: trainerPython(process.env),
    REPAIRITY_TRAINER_WORKDIR: workRoot,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', 'worker.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => String(d).includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}: ${err.slice(-2000)}`)));
  });
}

export async function killWorker(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
}

/** The heartbeat details of the run's pending activities, as the server holds them. */
export async function pendingBeats(handle: WorkflowHandle): Promise<TrainingHeartbeat[]> {
  const pending = (await handle.describe()).raw.pendingActivities ?? [];
  const out: TrainingHeartbeat[] = [];
  for (const p of pending) {
    const payload = p.heartbeatDetails?.payloads?.[0];
    const beat = payload ? defaultPayloadConverter.fromPayload<TrainingHeartbeat | null>(payload) : null;
    if (beat) out.push(beat); // a beat before the step reported anything carries no details
  }
  return out;
}

export interface Proc {
  pid: number;
  cwd: string;
  cmdline: string;
}

/** Running processes (zombies excluded) whose working folder is `dir` or inside it. */
export async function processesUnder(dir: string): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = (await fs.readlink(`/proc/${entry}/cwd`).catch(() => '')).replace(/ \(deleted\)$/, '');
    if (cwd !== dir && !cwd.startsWith(dir + path.sep)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (!stat || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
    const cmdline = (await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    out.push({ pid: Number(entry), cwd, cmdline });
  }
  return out;
}

/** Polls until `check` holds; fails after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 300_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
