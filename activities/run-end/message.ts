/** A run's end as a Slack-compatible webhook payload (`text`, plus `blocks` for Slack's layout). */
import type { RunEndInput } from './types.js';

export interface RunLinks {
  ui?: string;
  report?: string;
}

function duration(fromIso: string, to: Date): string {
  const s = Math.max(0, Math.round((to.getTime() - Date.parse(fromIso)) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function runMessage(input: RunEndInput, links: RunLinks, title: string | undefined, now: Date): { text: string; blocks: unknown[] } {
  const icon = input.state === 'succeeded' ? ':white_check_mark:' : ':x:';
  const head = title ?? `pipeline ${input.pipeline} ${input.state} in ${duration(input.startedAt, now)}`;
  const counts = new Map<string, number>();
  for (const s of input.steps) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  const lines = [
    `${icon} ${head}`,
    `run ${input.run.runId}`,
    `steps: ${[...counts].map(([state, n]) => `${n} ${state}`).join(', ')}; spent $${input.usage.costUsd.toFixed(2)} (${input.usage.requests} Claude requests)`,
  ];
  const failed = input.steps.filter((s) => s.state === 'failed' && s.error);
  for (const s of failed.slice(0, 5)) lines.push(`failed step "${s.id}" (${s.uses}): ${s.error!.slice(0, 500)}`);
  if (failed.length > 5) lines.push(`… and ${failed.length - 5} more failed steps`);
  if (input.error && failed.length === 0) lines.push(`error: ${input.error.slice(0, 500)}`);
  if (links.ui) lines.push(`run in the Temporal UI: ${links.ui}`);
  if (links.report) lines.push(`report: ${links.report}`);
  const text = lines.join('\n');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
