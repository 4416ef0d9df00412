/**
 * Recovery time: a pipeline runs a long SFT step on the tiny model; after a checkpoint has been
 * heartbeated, a standby worker is started and the first worker is killed with SIGKILL. Measures
 * the time from the kill until the retry's trainer has restored the checkpoint and starts training
 * (the standby worker logs it). Goal: heartbeat timeout + 10 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { buildCatalog } from '../../kinds/catalog.js';
import type { TrainingHeartbeat } from '../../kinds/training/index.js';
import { repositoryRoot } from '../../kinds/training/settings.js';
import { bindParams, compilePipeline, formatDiagnostics } from '../../compiler/index.js';
import { LocalStore } from '../../store/local.js';
import { startDevServer } from '../../dev-services/temporal.js';
import { workflowQueue } from '../../workflows/queues.js';
import { loadSettings } from '../../worker/settings.js';

export interface RecoveryResult {
  heartbeatTimeoutSeconds: number;
  resumedFromStep: number;
  /** From the kill until the server handed the retry to a worker (attempt 2 seen). */
  retryStartedSeconds: number;
  workerStartSeconds: number;
  prewarm: boolean;
  recoverySeconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a worker; `onLog` sees its log output (the activity logs "training resumed at step N"). */
function startWorker(env: Record<string, string>, onLog?: (text: string) => void): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repositoryRoot, 'test', 'training', 'fixtures', 'worker.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      onLog?.(String(d));
      if (process.env.BENCH_WORKER_LOG) void fs.appendFile(process.env.BENCH_WORKER_LOG, d);
    });
    child.stdout!.on('data', (d) => String(d).includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}: ${err.slice(-2000)}`)));
  });
}

export async function measureRecovery(python: string, heartbeatTimeoutSeconds: number, prewarm: boolean): Promise<RecoveryResult> {
  const server = await startDevServer({ binary: loadSettings().defaults.temporalBin });
  const address = server.address;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-recovery-'));
  const storeDir = path.join(dir, 'store');
  const workRoot = path.join(dir, 'work');
  const prefix = `bench-${randomUUID().slice(0, 6)}-`;
  const workers: ChildProcess[] = [];
  const connection = await Connection.connect({ address });
  try {
    const store = new LocalStore(storeDir);
    const rows = Array.from({ length: 64 }, (_, i) => ({ prompt: `reverse w${i}:`, trace: 'backwards', fix: `${i}w`.split('').reverse().join('') }));
    const dataset = (await store.putContent(rows.map((r) => JSON.stringify(r)).join('\n') + '\n')).uri;
    const env = {
      TEMPORAL_ADDRESS: address,
      QUEUE_PREFIX: prefix,
      STORE_DIR: storeDir,
      QUEUES: 'cpu,gpu',
      REPAIRITY_PYTHON: python,
      REPAIRITY_TRAINER_WORKDIR: workRoot,
    };
    workers.push(await startWorker(env));
    const compiled = compilePipeline(
      `name: bench-recovery
params:
  data: { type: string }
steps:
  sft:
    uses: train.sft
    cache: false
    heartbeatTimeout: ${heartbeatTimeoutSeconds}s
    retry: { attempts: 5, initialInterval: 200ms }
    with:
      dataset: \${{ params.data }}
      config: { threads: 1, max_steps: 100000, batch_size: 4, checkpoint: { interval: 10, keep: 2 } }
`,
      { file: 'bench-recovery.yaml', catalog: buildCatalog() },
    );
    if (!compiled.ok) throw new Error(formatDiagnostics(compiled.diagnostics));
    const plan = compiled.plan;
    const client = new Client({ connection });
    const handle = await client.workflow.start('runPipeline', {
      taskQueue: workflowQueue(prefix),
      workflowId: `bench-recovery-${randomUUID()}`,
      args: [{ plan, params: bindParams(plan, { data: dataset }) }],
    });

    const details = async (): Promise<{ attempt: number; beat?: TrainingHeartbeat }> => {
      const d = await handle.describe();
      const pending = d.raw.pendingActivities?.[0];
      if (!pending) return { attempt: 0 };
      const payload = pending.heartbeatDetails?.payloads?.[0];
      return { attempt: pending.attempt ?? 0, ...(payload ? { beat: defaultPayloadConverter.fromPayload<TrainingHeartbeat>(payload) } : {}) };
    };
    // Wait for a checkpoint to be stored and its heartbeat to reach the server.
    let before: TrainingHeartbeat | undefined;
    for (let i = 0; i < 1200 && !before?.checkpoint; i++) {
      before = (await details()).beat;
      await sleep(250);
    }
    if (!before?.checkpoint) throw new Error('no checkpoint was heartbeated within 5 minutes');
    // A standby worker (as a GPU pool would have), started before the kill so that its start-up
    // time (reported apart) is not counted as recovery.
    const t0 = performance.now();
    let resumedAt = Number.NaN;
    let resumedStep = -1;
    workers.push(
      await startWorker({ ...env, REPAIRITY_TRAINER_PREWARM: prewarm ? 'true' : 'false' }, (text) => {
        const m = /training resumed at step (\d+)/.exec(text);
        if (m && Number.isNaN(resumedAt)) {
          resumedAt = performance.now();
          resumedStep = Number(m[1]);
        }
      }),
    );
    const workerStartSeconds = (performance.now() - t0) / 1000;
    const killedAt = performance.now();
    workers[0]!.kill('SIGKILL');
    let retryStartedSeconds = Number.NaN;
    for (;;) {
      const now = await details();
      if (now.attempt >= 2 && Number.isNaN(retryStartedSeconds)) retryStartedSeconds = (performance.now() - killedAt) / 1000;
      // The retry's trainer has restored the checkpoint and starts its next step (logged by the
      // standby worker as it happens; the server's view of heartbeats lags by the throttle).
      if (!Number.isNaN(resumedAt)) {
        const recoverySeconds = (resumedAt - killedAt) / 1000;
        await handle.terminate('benchmark done');
        return { heartbeatTimeoutSeconds, resumedFromStep: resumedStep, retryStartedSeconds, workerStartSeconds, recoverySeconds, prewarm };
      }
      if ((performance.now() - killedAt) / 1000 > 300) throw new Error('training did not resume within 5 minutes');
      await sleep(100);
    }
  } finally {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await connection.close();
    await server.stop();
    // Orphaned trainers notice their worker is gone within a second (--watch-parent) and stop.
    await sleep(3000);
    await fs.rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
  }
}
