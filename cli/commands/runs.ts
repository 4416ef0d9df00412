import type { Command } from 'commander';
import { PermanentError } from '../../core/errors.js';
import { connectClient, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { formatUsd } from '../progress-view.js';
import { formatDuration, runRow, runsQuery, type RunRow } from '../run-listing.js';

interface RunsFlags extends ConnectionFlags {
  pipeline?: string;
  status?: string[];
  since?: string;
  limit: string;
  json?: boolean;
}

function printTable(rows: RunRow[]): void {
  const cells = rows.map((r) => [r.runId, r.pipeline, r.params, r.state, r.startedAt.replace('T', ' ').slice(0, 19), formatDuration(r.durationS), r.costUsd === null ? '-' : formatUsd(r.costUsd), r.continues ? `rerun of ${r.continues}` : '']);
  const head = ['RUN', 'PIPELINE', 'PARAMS', 'STATUS', 'STARTED (UTC)', 'DURATION', 'SPENT', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  for (const line of [head, ...cells]) process.stdout.write(`${line.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
}

export function registerRuns(program: Command): void {
  withConnectionFlags(
    program
      .command('runs')
      .description('list runs, newest first: pipeline, params digest, status, start, duration and spend')
      .option('--pipeline <name>', 'only runs of this pipeline')
      .option('--status <state>', 'only runs in this state: running, succeeded, failed, cancelled, terminated, timed-out (repeatable, or comma-separated)', (v: string, prev: string[] = []) => [...prev, v])
      .option('--since <when>', 'only runs started since: a duration back from now (2d, 12h) or a date')
      .option('--limit <n>', 'at most this many runs', '50')
      .option('--json', 'print the runs as JSON'),
  ).action(async (flags: RunsFlags) => {
    const limit = Number(flags.limit);
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new PermanentError(`--limit ${flags.limit}: expected a positive whole number`);
    const query = runsQuery(flags);
    const { client, close } = await connectClient(flags);
    try {
      const rows: RunRow[] = [];
      try {
        for await (const info of client.workflow.list({ query })) {
          if (info.parentExecution) continue; // sub-pipeline runs belong to their parent
          rows.push(runRow(info));
          if (rows.length >= limit) break;
        }
      } catch (err) {
        const message = (err as Error).message;
        if (/search attribute|unknown|invalid query/i.test(message)) {
          throw new PermanentError(`the namespace "${flags.namespace}" cannot answer this listing (${message}): register the Repairity search attributes (docs/operations.md, "Listing runs")`);
        }
        throw err;
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) process.stderr.write(`no runs match (${query})\n`);
      else printTable(rows);
    } finally {
      await close();
    }
  });
}
