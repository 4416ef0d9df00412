import type { StepContext, StepImpl } from '../../engine/kind.js';
import { PermanentError } from '../../core/errors.js';
import { normaliseTask } from '../../sandbox/formats/index.js';
import { emptyCounts, runTasks } from '../../sandbox/run-file.js';
import type { SandboxTask, Verdict } from '../../sandbox/types.js';
import { readRecords, writeRecords } from '../data/records.js';
import type { SandboxProvider } from './provider.js';
import { countVerdict } from '../../activities/telemetry/metrics.js';
import type { InputOf, KindImpl, SpecNamed } from '../define.js';
import type { sandboxSpecs } from './specs.js';

export type SandboxRunInput = InputOf<SpecNamed<typeof sandboxSpecs, 'sandbox.run'>>;

export interface CheckpointOptions {
  /** Save the verdicts so far at most this often (ms). Default 30 000. */
  everyMs?: number;
  /** ...or after this many new verdicts, whichever comes first. Default 500. */
  everyTasks?: number;
}

/**
 * Heartbeat details: progress, and the verdicts of the first `prefix` tasks saved as an artifact,
 * so a retry after a lost worker judges only the rest.
 */
interface Checkpoint {
  done: number;
  of: number;
  prefix: number;
  verdicts?: string;
}

export function sandboxRun(provider: SandboxProvider, checkpoints: CheckpointOptions = {}): KindImpl<SpecNamed<typeof sandboxSpecs, 'sandbox.run'>> {
  const everyMs = checkpoints.everyMs ?? 30_000;
  const everyTasks = checkpoints.everyTasks ?? 500;
  return async (input, ctx) => {
    const rows: unknown[] = [];
    if (input.task) rows.push(input.task);
    else for await (const row of readRecords(ctx.store, input.tasks!)) rows.push(row);
    const opts = input.solutionField ? { solutionField: input.solutionField } : {};
    const tasks: SandboxTask[] = rows.map((row, i) => {
      const task = normaliseTask(row, i, opts);
      return input.timeoutMs && task.timeoutMs === undefined ? { ...task, timeoutMs: input.timeoutMs } : task;
    });

    const verdicts: (Verdict | undefined)[] = new Array<Verdict | undefined>(tasks.length);
    const resumed = await resumeFrom(ctx, tasks.length);
    resumed.forEach((v, i) => (verdicts[i] = v));
    let checkpoint: Checkpoint = { done: resumed.length, of: tasks.length, prefix: resumed.length, ...(resumed.length ? { verdicts: ctx.lastHeartbeat<Checkpoint>()!.verdicts! } : {}) };
    let savedAt = Date.now();
    let prefix = resumed.length;
    let done = resumed.length;

    const save = async () => {
      while (prefix < tasks.length && verdicts[prefix]) prefix += 1;
      if (prefix > checkpoint.prefix) {
        const ref = await writeRecords(ctx.store, verdicts.slice(0, prefix), { run: ctx.runId, step: ctx.stepId });
        checkpoint = { ...checkpoint, prefix, verdicts: ref.ref.uri };
      }
      savedAt = Date.now();
    };

    const sandbox = await provider.get();
    try {
      await runTasks(tasks.slice(resumed.length), {
        sandbox,
        signal: ctx.signal,
        onVerdict: async (verdict, index) => {
          verdicts[resumed.length + index] = verdict;
          recordVerdict(ctx, resumed.length + index, verdict);
          countVerdict(verdict.status, verdict.durationMs);
          done += 1;
          if (Date.now() - savedAt >= everyMs || done - checkpoint.prefix >= everyTasks) await save();
          checkpoint = { ...checkpoint, done };
          ctx.heartbeat(checkpoint);
        },
      });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : err;
      throw err;
    }

    const all = verdicts as Verdict[];
    const counts = emptyCounts();
    for (const v of all) counts[v.status] += 1;
    const meta = { run: ctx.runId, step: ctx.stepId };
    const written = await writeRecords(ctx.store, all.map((v, i) => ({ row: i + 1, ...v })), meta);
    const passing = await writeRecords(ctx.store, rows.filter((_, i) => all[i]!.status === 'passed'), meta);
    if (written.count !== tasks.length) throw new PermanentError(`sandbox.run wrote ${written.count} verdicts for ${tasks.length} tasks`);
    return {
      verdicts: written.ref.uri,
      passing: passing.ref.uri,
      count: tasks.length,
      passed: counts.passed,
      allPassed: counts.passed === tasks.length,
      counts,
      ...(input.task ? { status: all[0]!.status } : {}),
    };
  };
}

/** The verdicts a previous attempt saved (through its last heartbeat), if they fit this input. */
/** The task's verdict and its program's output, in the step's log. */
function recordVerdict(ctx: StepContext, row: number, v: Verdict): void {
  if (!ctx.record) return;
  ctx.record('sandbox', `task ${row + 1}${v.id ? ` (${v.id})` : ''}: ${v.status}${v.message ? `: ${v.message}` : ''} in ${v.durationMs} ms`);
  for (const [stream, text, cut] of [['stdout', v.stdout, v.stdoutTruncated], ['stderr', v.stderr, v.stderrTruncated]] as const) {
    if (text) ctx.record(stream, `task ${row + 1}:\n${text}${cut ? '\n[truncated at the sandbox output limit]' : ''}`);
  }
}

async function resumeFrom(ctx: StepContext, count: number): Promise<Verdict[]> {
  const last = ctx.lastHeartbeat<Checkpoint>();
  if (!last?.verdicts || !last.prefix || last.of !== count || last.prefix > count) return [];
  const saved: Verdict[] = [];
  for await (const v of readRecords(ctx.store, last.verdicts)) saved.push(v as Verdict);
  if (saved.length !== last.prefix) return [];
  ctx.log.info('sandbox.run resumes from its last checkpoint', { judged: saved.length, of: count });
  return saved;
}
