/**
 * The visibility query behind `repairity runs` and the rows it prints. Run states are named as
 * in the progress view; the query language's ExecutionStatus values differ.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { parseDuration } from '../compiler/duration.js';
import { didYouMean } from '../compiler/suggest.js';
import { PermanentError } from '../core/errors.js';
import { RUN_ATTRIBUTES } from '../workflows/search-attributes.js';

const STATES = {
  running: { query: 'Running', name: 'RUNNING' },
  succeeded: { query: 'Completed', name: 'COMPLETED' },
  failed: { query: 'Failed', name: 'FAILED' },
  cancelled: { query: 'Canceled', name: 'CANCELLED' },
  terminated: { query: 'Terminated', name: 'TERMINATED' },
  'timed-out': { query: 'TimedOut', name: 'TIMED_OUT' },
} as const;
type RunState = keyof typeof STATES;

export interface RunFilter {
  pipeline?: string;
  status?: string[];
  since?: string;
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Start of the window `--since` names: a duration back from `now` (`2d`, `36h`) or a date. */
export function sinceDate(since: string, now = new Date()): Date {
  const ms = parseDuration(since);
  if (ms !== undefined) return new Date(now.getTime() - ms);
  const date = new Date(since);
  if (Number.isNaN(date.getTime())) throw new PermanentError(`--since ${since}: expected a duration back from now (30m, 12h, 2d) or a date (2026-01-31, 2026-01-31T08:00:00Z)`);
  return date;
}

export function runsQuery(filter: RunFilter, now = new Date()): string {
  const parts = [`WorkflowType = 'runPipeline'`];
  if (filter.pipeline) parts.push(`${RUN_ATTRIBUTES.pipeline.name} = ${quote(filter.pipeline)}`);
  if (filter.status && filter.status.length > 0) {
    const states = filter.status.flatMap((s) => s.split(',')).map((s) => s.trim().toLowerCase()).filter(Boolean);
    for (const s of states) {
      if (!(s in STATES)) throw new PermanentError(`--status ${s}: not a run state${didYouMean(s, Object.keys(STATES))} (states: ${Object.keys(STATES).join(', ')})`);
    }
    parts.push(`ExecutionStatus IN (${states.map((s) => quote(STATES[s as RunState].query)).join(', ')})`);
  }
  if (filter.since) parts.push(`StartTime >= ${quote(sinceDate(filter.since, now).toISOString())}`);
  return parts.join(' AND ');
}

export interface RunRow {
  runId: string;
  pipeline: string;
  params: string;
  state: string;
  startedAt: string;
  durationS: number;
  costUsd: number | null;
  continues?: string;
}

export function runRow(info: WorkflowExecutionInfo, now = new Date()): RunRow {
  const a = info.typedSearchAttributes;
  const state = (Object.entries(STATES).find(([, v]) => v.name === info.status.name)?.[0] ?? info.status.name.toLowerCase()) as string;
  const end = info.closeTime ?? now;
  const continues = a.get(RUN_ATTRIBUTES.continues);
  return {
    runId: info.workflowId,
    pipeline: a.get(RUN_ATTRIBUTES.pipeline) ?? (typeof info.memo?.pipeline === 'string' ? info.memo.pipeline : '?'),
    params: a.get(RUN_ATTRIBUTES.params) ?? '-',
    state,
    startedAt: info.startTime.toISOString(),
    durationS: Math.max(0, Math.round((end.getTime() - info.startTime.getTime()) / 1000)),
    costUsd: a.get(RUN_ATTRIBUTES.costUsd) ?? null,
    ...(continues ? { continues } : {}),
  };
}

export function formatDuration(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
