/**
 * Checkpoints kept across runs. Every checkpoint a training step stores is recorded under the
 * step's content key (its stage, what it trains from, on which data, with which config, and the
 * trainer's code), so a new run of the same step (a rerun, or a fresh run with identical inputs)
 * resumes from the newest one instead of step 0, where before only a retry within one run could
 * (from its heartbeat). The trainer still refuses a checkpoint written under other settings.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { hashJson, sha256Hex } from '../../core/hash.js';
import { readJson, writeJson } from '../../store/json.js';
import type { StepContext } from '../../engine/kind.js';
import { safeSegment } from '../../activities/runtime/keys.js';
import type { Stage, TrainingHeartbeat } from './run-trainer.js';

export interface CheckpointRecord {
  checkpoint: string;
  step: number;
  total?: number;
  /** The run that stored it (`<workflow id>@<run id>`) and its step. */
  run: string;
  stepId: string;
  storedAt: string;
}

/** What a step resumed from, when it came from another run: shown as "resumed from step N of run R". */
export interface ResumedFrom {
  step: number;
  run: string;
}

const codeHashes = new Map<string, Promise<string>>();

/** sha256 over the trainer package's Python sources (their paths and bytes), once per process. */
export function trainerCodeHash(trainerRoot: string): Promise<string> {
  let hash = codeHashes.get(trainerRoot);
  if (!hash) {
    hash = (async () => {
      const dir = path.join(trainerRoot, 'trainer');
      const files = (await fs.readdir(dir, { recursive: true })).filter((f) => f.endsWith('.py') && !f.split(path.sep).includes('tests')).sort();
      const parts = await Promise.all(files.map(async (f) => `${f}\0${sha256Hex(await fs.readFile(path.join(dir, f)))}`));
      return sha256Hex(parts.join('\n'));
    })();
    codeHashes.set(trainerRoot, hash);
  }
  return hash;
}

export function checkpointPrefix(stage: Stage, contentKey: string): string {
  return `checkpoints/${stage}/${contentKey.slice(0, 2)}/${contentKey}/`;
}

export async function contentKeyOf(stage: Stage, identity: unknown, trainerRoot: string): Promise<string> {
  return hashJson({ stage, identity, trainer: await trainerCodeHash(trainerRoot) });
}

/** The newest checkpoint any run stored for this content key (highest step, then latest). */
export async function newestCheckpoint(ctx: StepContext, prefix: string): Promise<CheckpointRecord | undefined> {
  let best: CheckpointRecord | undefined;
  for await (const key of ctx.store.list(prefix)) {
    if (!key.endsWith('.json')) continue;
    const r = await readJson<CheckpointRecord>(ctx.store, key).catch(() => undefined);
    if (!r || !(await ctx.store.exists(r.checkpoint))) continue;
    if (!best || r.step > best.step || (r.step === best.step && r.storedAt > best.storedAt)) best = r;
  }
  return best;
}

/** "step N of run R", with the run's workflow id. */
export function describeResume(r: ResumedFrom): string {
  return `step ${r.step} of run ${r.run.split('@')[0]}`;
}

/**
 * The context with each newly stored checkpoint (a heartbeat naming a new checkpoint) recorded
 * under `prefix`; `settled()` waits for the records, before the step ends either way.
 */
export function recordingCheckpoints(ctx: StepContext, prefix: string, resumed: ResumedFrom | undefined, already?: string): { ctx: StepContext; settled(): Promise<void> } {
  let last = already;
  let writes: Promise<void> = Promise.resolve();
  const send = ctx.heartbeat;
  const heartbeat = (details?: unknown): void => {
    const beat = details as TrainingHeartbeat | undefined;
    send(resumed && beat ? { ...beat, resumed: describeResume(resumed), stepId: ctx.stepId } : details);
    if (!beat?.checkpoint || beat.checkpoint === last) return;
    last = beat.checkpoint;
    const record: CheckpointRecord = { checkpoint: beat.checkpoint, step: beat.checkpointStep ?? 0, ...(beat.total !== undefined ? { total: beat.total } : {}), run: ctx.runId, stepId: ctx.stepId, storedAt: new Date().toISOString() };
    const key = `${prefix}${safeSegment(ctx.runId)}-${String(record.step).padStart(10, '0')}.json`;
    writes = writes.then(() => writeJson(ctx.store, key, record, { run: ctx.runId, step: ctx.stepId }).then(() => undefined)).catch((err: unknown) => ctx.log.warn(`the checkpoint of step ${record.step} could not be recorded for later runs: ${(err as Error).message}`));
  };
  // The call's own context, changed rather than copied: a copy would lose its `signal` and `log` (see StepContext).
  ctx.heartbeat = heartbeat;
  return { ctx, settled: () => writes };
}

export interface CrossRunResume {
  /** The context to run the stage with: it records each checkpoint stored. */
  ctx: StepContext;
  /** What to resume from: this attempt's last heartbeat, else the newest checkpoint of any run. */
  heartbeat?: TrainingHeartbeat;
  resumed?: ResumedFrom;
  settled(): Promise<void>;
}

/** The hook of runStage: where to resume from, and a context that records new checkpoints. */
export async function resumeAcrossRuns(ctx: StepContext, stage: Stage, identity: unknown, trainerRoot: string): Promise<CrossRunResume> {
  const own = ctx.lastHeartbeat<TrainingHeartbeat>();
  if (identity === undefined) return { ctx, ...(own ? { heartbeat: own } : {}), settled: async () => undefined };
  const prefix = checkpointPrefix(stage, await contentKeyOf(stage, identity, trainerRoot));
  let heartbeat = own;
  let resumed: ResumedFrom | undefined;
  // `cache: false` asks for nothing from earlier runs: their checkpoints included.
  if (!own?.checkpoint && ctx.cache) {
    const found = await newestCheckpoint(ctx, prefix);
    if (found) {
      heartbeat = { step: found.step, checkpoint: found.checkpoint, checkpointStep: found.step, ...(found.total !== undefined ? { total: found.total } : {}) };
      resumed = { step: found.step, run: found.run };
      ctx.log.info(`${stage}: resumed from ${describeResume(resumed)}`, { checkpoint: found.checkpoint });
    }
  }
  const rec = recordingCheckpoints(ctx, prefix, resumed, heartbeat?.checkpoint);
  return { ctx: rec.ctx, ...(heartbeat ? { heartbeat } : {}), ...(resumed ? { resumed } : {}), settled: rec.settled };
}
