/**
 * The live progress view of `repairity run --watch` and `repairity status --watch`: one bar per
 * step (items for forEach steps), with state, tokens and cost. Without a terminal it prints a
 * line per change instead.
 */
import cliProgress from 'cli-progress';
import type { WorkflowHandle, Client } from '@temporalio/client';
import type { RunProgress, StepProgress } from '../engine/progress.js';
import { liveItems, type LiveItems } from './live-items.js';
import { stepNotes } from './step-notes.js';

const POLL_MS = 500;

export function formatUsd(usd: number): string {
  return `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

function itemCounts(step: StepProgress, live: LiveItems | undefined): { done: number; total: number } {
  if (!step.items) return { done: ['pending', 'running'].includes(step.state) ? 0 : 1, total: 1 };
  const liveDone = live ? live.succeeded + live.failed : 0;
  return { done: Math.min(step.items.total, step.items.succeeded + step.items.failed + liveDone), total: Math.max(step.items.total, 1) };
}

export function describeStep(step: StepProgress): string {
  const usage = step.usage.requests > 0 ? ` ${step.usage.requests} req ${step.usage.inputTokens + step.usage.outputTokens} tok ${formatUsd(step.usage.costUsd)}` : '';
  const extra = step.error ? ` ${step.error}` : step.reason ? ` (${step.reason})` : '';
  return `${step.state}${usage}${extra}`;
}

/** Lines are printed when a step's state or its tenth of items done changes. */
function lineKey(step: StepProgress, done: number, total: number): string {
  return `${step.state}:${step.items ? Math.floor((10 * done) / total) : 0}`;
}

async function queryProgress(handle: WorkflowHandle): Promise<RunProgress | undefined> {
  try {
    return await handle.query<RunProgress>('progress');
  } catch {
    return undefined; // not started yet, or the plan is still loading
  }
}

/** Shows a run's progress until it ends, or until `stop` is aborted (then it returns after the query in flight). */
export async function watchRun(client: Client, handle: WorkflowHandle, out: NodeJS.WriteStream = process.stderr, stop?: AbortSignal): Promise<void> {
  const tty = out.isTTY === true;
  const bars = tty ? new cliProgress.MultiBar({ stream: out, format: ' {step} |{bar}| {value}/{total} {info}', hideCursor: true, clearOnComplete: false, barsize: 30 }, cliProgress.Presets.shades_classic) : undefined;
  const rows = new Map<string, cliProgress.SingleBar>();
  const printed = new Map<string, string>();
  let done = false;
  const finished = handle.result().finally(() => {
    done = true;
  });
  finished.catch(() => undefined);
  const stopped = new Promise<void>((resolve) => stop?.addEventListener('abort', () => resolve(), { once: true }));
  try {
    while (!done && !stop?.aborted) {
      const progress = await queryProgress(handle);
      if (progress) {
        const width = Math.max(...progress.steps.map((s) => s.id.length));
        const live = await liveItems(client, handle.workflowId, progress.steps);
        const notes = progress.steps.some((s) => s.state === 'running' && !s.items) ? await stepNotes(client, handle.workflowId).catch(() => new Map<string, string>()) : new Map<string, string>();
        for (const step of progress.steps) {
          const { done: n, total } = itemCounts(step, live.get(step.id));
          const note = step.state === 'running' ? notes.get(step.id) : undefined;
          const info = `${describeStep(step)}${note ? ` (${note})` : ''}`;
          const label = step.id.padEnd(width);
          if (bars) {
            const bar = rows.get(step.id) ?? bars.create(total, 0, { step: label, info });
            rows.set(step.id, bar);
            bar.setTotal(total);
            bar.update(n, { step: label, info });
          } else {
            const line = `${step.id}: ${step.items ? `${n}/${total} ` : ''}${info}`;
            const bucket = lineKey(step, n, total);
            if (printed.get(step.id) !== bucket) {
              printed.set(step.id, bucket);
              out.write(`${line}\n`);
            }
          }
        }
      }
      await Promise.race([finished.catch(() => undefined), stopped, new Promise((r) => setTimeout(r, POLL_MS))]);
    }
    if (stop?.aborted) return;
    const last = await queryProgress(handle);
    for (const step of last?.steps ?? []) {
      const { done: n, total } = itemCounts(step, undefined);
      if (bars) {
        rows.get(step.id)?.setTotal(total);
        rows.get(step.id)?.update(n, { info: describeStep(step) });
      } else if (printed.get(step.id) !== lineKey(step, n, total)) {
        out.write(`${step.id}: ${step.items ? `${n}/${total} ` : ''}${describeStep(step)}\n`);
      }
    }
  } finally {
    bars?.stop();
  }
}
