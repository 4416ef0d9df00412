import type { Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { hashJson } from '../core/hash.js';
import { RUN_ATTRIBUTES } from '../workflows/search-attributes.js';
import type { RunInput } from '../engine/plan.js';
import type { RunSummary } from '../engine/progress.js';
import { formatUsd, watchRun } from './progress-view.js';

export function runId(pipeline: string): string {
  return `${pipeline}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

export function printSummary(summary: RunSummary): void {
  process.stdout.write(`${JSON.stringify({ runId: summary.runId, outputs: summary.outputs }, null, 2)}\n`);
  if (summary.usage.requests > 0) {
    process.stderr.write(`usage: ${summary.usage.requests} requests, ${summary.usage.inputTokens} input + ${summary.usage.outputTokens} output tokens, ${formatUsd(summary.usage.costUsd)}\n`);
  }
  for (const note of summary.notes ?? []) process.stderr.write(`note: ${note}\n`);
}

export interface StartRunOptions {
  taskQueue: string;
  workflowId: string;
  memo: Record<string, unknown>;
  watch?: boolean;
  /** Said after "started <id>". */
  note?: string;
  /** What `repairity runs` lists the run by (search attributes). */
  attributes: { pipeline: string; params: Record<string, unknown>; continues?: string };
}

/** The digest of a run's params `repairity runs` shows. */
export function paramsDigest(params: Record<string, unknown>): string {
  return hashJson(params).slice(0, 12);
}

function searchAttributesOf(a: StartRunOptions['attributes']): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: RUN_ATTRIBUTES.pipeline, value: a.pipeline },
    { key: RUN_ATTRIBUTES.params, value: paramsDigest(a.params) },
    { key: RUN_ATTRIBUTES.costUsd, value: 0 },
  ];
  if (a.continues) pairs.push({ key: RUN_ATTRIBUTES.continues, value: a.continues });
  return pairs;
}

/** The server refused the run's search attributes because they are not registered on the namespace. */
function unregisteredAttributes(err: unknown): boolean {
  return /search attribute/i.test((err as Error).message ?? '') && /not (defined|registered|found)|unknown|invalid/i.test((err as Error).message ?? '');
}

/** Starts `runPipeline`; with `watch`, shows live progress and prints the outputs, else prints the run id. */
export async function startRun(client: Client, input: RunInput, opts: StartRunOptions): Promise<void> {
  const options = { taskQueue: opts.taskQueue, workflowId: opts.workflowId, args: [input] as [RunInput], memo: opts.memo };
  let handle;
  try {
    handle = await client.workflow.start('runPipeline', { ...options, typedSearchAttributes: searchAttributesOf(opts.attributes) });
  } catch (err) {
    if (!unregisteredAttributes(err)) throw err;
    process.stderr.write(`warning: the namespace has no Repairity search attributes, so "repairity runs" will not list this run: register them (docs/operations.md, "Listing runs")\n`);
    handle = await client.workflow.start('runPipeline', options);
  }
  process.stderr.write(`started ${handle.workflowId}${opts.note ? ` ${opts.note}` : ''}\n`);
  if (!opts.watch) {
    process.stdout.write(`${handle.workflowId}\n`);
    return;
  }
  await watchRun(client, handle);
  printSummary((await handle.result()) as RunSummary);
}
