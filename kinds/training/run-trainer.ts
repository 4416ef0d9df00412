/**
 * Runs one trainer stage for a step attempt and turns its life into the activity's:
 *
 * - on a retry, the checkpoint named in the last heartbeat is fetched and passed as `--resume`;
 * - each `checkpoint` event: the folder is hard-linked aside at once (the trainer may prune it
 *   later), uploaded to the store as a directory artifact, then heartbeated as
 *   `{ step, total, checkpoint: uri, checkpointStep, metrics }`;
 * - cancellation sends SIGTERM, waits for the final checkpoint to be uploaded and heartbeated,
 *   then rethrows the cancellation;
 * - exit 2 (bad config or data) is permanent; any other failure is transient, and the retry
 *   resumes from the last uploaded checkpoint;
 * - `config.distributed` over one process launches a group of ranks with torchrun (group.ts): the
 *   death of any rank fails the attempt, and so does silence (no event for `hangTimeoutMs`: a rank
 *   that hangs stalls the others at their next collective); either way every rank is stopped;
 * - before each launch, the trainer's memory plan is logged, and a stage that cannot fit is refused.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { PermanentError, TransientError } from '../../core/errors.js';
import { missingModuleError } from './python-env.js';
import { getDirectory, putDirectory } from '../../store/directory.js';
import type { StepContext } from '../../engine/kind.js';
import { resumeAcrossRuns } from './checkpoint-registry.js';
import { metricValues, parseEvent, type TrainerEvent } from './events.js';
import { groupOf, rootCause, worldSize, type TrainerGroup } from './group.js';
import { checkMemoryPlan, type PlanRunner } from './memory-plan.js';
import type { TrainerLauncher } from './process.js';
import { repositoryRoot } from './settings.js';
import { watchers, type WatchTrainer } from './watch.js';

export type Stage = 'sft' | 'reward' | 'ppo' | 'generate';

export interface TrainingHeartbeat {
  step: number;
  total?: number;
  /** URI of the newest uploaded checkpoint (a directory artifact). */
  checkpoint?: string;
  checkpointStep?: number;
  metrics?: Record<string, number>;
  /** The attempt whose trainer reported `step` (a retry first repeats the previous details). */
  attempt?: number;
}

export interface TrainerRuntime {
  launch: TrainerLauncher;
  /** Runs the trainer's memory plan before each launch (memory-plan.ts). */
  plan: PlanRunner;
  /** Followers of the trainer's events besides the worker's metrics (experiment tracking). */
  watch?: readonly WatchTrainer[];
  workRoot: string;
  stopGraceMs: number;
  /** With no trainer event for this long, the attempt is failed as hung and its processes killed. */
  hangTimeoutMs: number;
  keepWorkDir: boolean;
  /** Hash of the trainer code this runtime launches (see code-hash.ts); part of each step's cache key. */
  codeHash(): Promise<string>;
}

export interface TrainerResult {
  output: string;
  sha256: string;
  steps: number;
  resumedFrom: number | null;
  metrics: Record<string, number>;
  /** Every metrics event, in order (small: one per step or iteration). */
  history: Array<Record<string, number>>;
}

export interface StageRun<O> {
  stage: Stage;
  /** Writes inputs into `workDir` and returns the trainer configuration (paths inside it). */
  prepare(workDir: string): Promise<Record<string, unknown>>;
  /** What the stage's result depends on (its resolved input): checkpoints are kept under it for later runs (checkpoint-registry.ts). */
  identity?: unknown;
  /** Uploads the outputs and builds the step's result; runs before the work folder is removed. */
  collect(result: TrainerResult, workDir: string): Promise<O>;
}

const STDERR_LINES = 40;

export async function runStage<O>(rt: TrainerRuntime, ctx: StepContext, run: StageRun<O>): Promise<O> {
  await fs.mkdir(rt.workRoot, { recursive: true });
  const workDir = await fs.mkdtemp(path.join(rt.workRoot, `repairity-${run.stage}-`));
  try {
    const config = await run.prepare(workDir);
    const checkpointDir = path.join(workDir, 'checkpoints');
    const trainerConfig = {
      ...config,
      output_dir: path.join(workDir, 'out'),
      checkpoint: { ...((config.checkpoint as Record<string, unknown> | undefined) ?? {}), dir: checkpointDir },
    };
    const configFile = path.join(workDir, 'config.json');
    await fs.writeFile(configFile, JSON.stringify(trainerConfig, null, 2));
    const args = [run.stage, '--config', configFile, '--watch-parent'];

    const across = await resumeAcrossRuns(ctx, run.stage, run.identity, repositoryRoot);
    const last = across.heartbeat;
    let resumedFrom: number | null = null;
    if (last?.checkpoint) {
      const dest = path.join(workDir, 'resume', `step-${String(last.checkpointStep ?? 0).padStart(8, '0')}`);
      await getDirectory(ctx.store, last.checkpoint, dest);
      args.push('--resume', dest);
      resumedFrom = last.checkpointStep ?? null;
      ctx.log.info(`resuming ${run.stage} from the checkpoint of step ${resumedFrom}`, { checkpoint: last.checkpoint });
    }
    const group = groupOf(trainerConfig, ctx.stepId);
    await checkMemoryPlan(rt.plan, ctx, run.stage, trainerConfig, configFile, workDir);
    if (group) ctx.log.info(`${run.stage}: launching ${worldSize(group)} ranks (${group.nnodes} node(s) x ${group.nprocPerNode}) with torchrun`);
    const result = await supervise(rt, across.ctx, { stage: run.stage, args, workDir, group }, last, resumedFrom).finally(across.settled);
    return await run.collect(result, workDir);
  } finally {
    if (!rt.keepWorkDir) await fs.rm(workDir, { recursive: true, force: true });
  }
}

/** Hard links of a checkpoint's files (instant, and immune to the trainer pruning the original). */
async function linkTree(src: string, dest: string): Promise<void> {
  await fs.mkdir(dest, { recursive: true });
  for (const entry of await fs.readdir(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dest, entry.name);
    if (entry.isDirectory()) await linkTree(from, to);
    else await fs.link(from, to).catch(() => fs.copyFile(from, to));
  }
}

interface Launch {
  stage: Stage;
  args: string[];
  workDir: string;
  group: TrainerGroup | undefined;
}

async function supervise(rt: TrainerRuntime, ctx: StepContext, launch: Launch, previous: TrainingHeartbeat | undefined, resumedFrom: number | null): Promise<TrainerResult> {
  const { stage, args, workDir, group } = launch;
  const proc = await rt.launch({ args, workDir, env: {}, key: ctx.idempotencyKey, ...(group ? { group } : {}) });
  const watcher = watchers(stage, ctx, rt.watch ?? []);
  const beat: TrainingHeartbeat = { step: previous?.step ?? 0 };
  if (previous?.checkpoint) {
    beat.checkpoint = previous.checkpoint;
    if (previous.checkpointStep !== undefined) beat.checkpointStep = previous.checkpointStep;
  }
  const history: Array<Record<string, number>> = [];
  const stderr: string[] = [];
  let done: Extract<TrainerEvent, { event: 'done' }> | undefined;
  let failure: Extract<TrainerEvent, { event: 'error' }> | undefined;
  let uploads: Promise<void> = Promise.resolve();
  let uploadError: unknown;
  let killTimer: NodeJS.Timeout | undefined;
  let hangTimer: NodeJS.Timeout | undefined;
  let hung = false;
  const watchHang = () => {
    clearTimeout(hangTimer);
    hangTimer = setTimeout(() => {
      hung = true;
      ctx.log.warn(`${stage}: no event from the trainer for ${rt.hangTimeoutMs / 1000}s; stopping every process of the attempt`);
      proc.kill();
    }, rt.hangTimeoutMs);
    hangTimer.unref();
  };
  watchHang();

  const onAbort = () => {
    ctx.log.info(`${stage}: cancelled; asking the trainer to write a final checkpoint`);
    clearTimeout(hangTimer);
    proc.terminate();
    killTimer = setTimeout(() => proc.kill(), rt.stopGraceMs);
    killTimer.unref();
  };
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });

  readline.createInterface({ input: proc.stderr }).on('line', (line) => {
    ctx.record?.('stderr', line);
    stderr.push(line);
    if (stderr.length > STDERR_LINES) stderr.shift();
  });

  let snapshot = 0;
  for await (const line of readline.createInterface({ input: proc.stdout })) {
    ctx.record?.('events', line);
    const e = parseEvent(line);
    if (!e) continue;
    if (!ctx.signal.aborted) watchHang();
    watcher.event(e);
    switch (e.event) {
      case 'start':
        beat.total = e.total;
        break;
      case 'resumed':
        ctx.log.info(`${stage}: training resumed at step ${e.step}`);
        break;
      case 'progress':
        beat.step = e.step;
        beat.total = e.total;
        beat.attempt = ctx.attempt;
        ctx.heartbeat({ ...beat });
        break;
      case 'metrics': {
        const values = metricValues(e);
        history.push({ step: e.step, ...values });
        beat.metrics = values;
        break;
      }
      case 'checkpoint': {
        const aside = path.join(workDir, 'uploading', `${snapshot++}`);
        await linkTree(e.path, aside);
        const step = e.step;
        uploads = uploads.then(async () => {
          try {
            const { ref } = await putDirectory(ctx.store, aside, { run: ctx.runId, step: ctx.stepId });
            beat.checkpoint = ref.uri;
            beat.checkpointStep = step;
            ctx.heartbeat({ ...beat });
            ctx.log.info(`${stage}: checkpoint of step ${step} stored`, { checkpoint: ref.uri });
          } catch (err) {
            uploadError = err;
          } finally {
            await fs.rm(aside, { recursive: true, force: true });
          }
        });
        break;
      }
      case 'done':
        done = e;
        break;
      case 'error':
        failure = e;
        break;
      default:
        break;
    }
  }
  const exit = await proc.exited;
  clearTimeout(hangTimer);
  await watcher.close(exit.code === 0 && done !== undefined);
  if (killTimer) clearTimeout(killTimer);
  ctx.signal.removeEventListener('abort', onAbort);
  await uploads;
  if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error(`${stage} was cancelled`);
  if (uploadError) {
    throw new TransientError(`${stage}: storing a checkpoint failed: ${(uploadError as Error).message}`, { step: ctx.stepId }, { cause: uploadError });
  }
  const tail = stderr.slice(-8).join('\n');
  if (exit.code === 0 && done) {
    const metrics = history.length > 0 ? { ...history[history.length - 1] } : {};
    delete metrics.step;
    return { output: done.output, sha256: done.sha256, steps: beat.step, resumedFrom, metrics, history };
  }
  const missing = missingModuleError(ctx.stepId, tail);
  if (missing) throw missing;
  if (exit.code === 2 || failure?.kind === 'permanent') {
    throw new PermanentError(`${stage}: ${failure?.message ?? `the trainer rejected its input (exit 2)\n${tail}`}`, { step: ctx.stepId });
  }
  const who = group ? `the trainer group (${worldSize(group)} ranks)` : 'the trainer';
  const how = hung
    ? `made no progress for ${rt.hangTimeoutMs / 1000}s (a rank hung) and was stopped`
    : exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}${group ? rootCause(stderr) : ''}`;
  const where = beat.checkpoint ? `a retry resumes from the checkpoint of step ${beat.checkpointStep}` : 'no checkpoint yet, a retry starts over';
  throw new TransientError(`${stage}: ${who} ${how} at step ${beat.step} (${where})${failure ? `: ${failure.message}` : ''}\n${tail}`, { step: ctx.stepId });
}
