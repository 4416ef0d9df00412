/**
 * `repairity report <run>`: where a run's report is. The run's own outputs say it when it has
 * finished (`report`, `report_location`); otherwise, or when Temporal is not reachable, the store is
 * searched under `reports/<workflow id>/` (where `report.build` writes it).
 */
import { fileURLToPath } from 'node:url';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { reportFolder } from '../../activities/report/build.js';
import { readDefaults } from '../../core/env.js';
import { PermanentError } from '../../core/errors.js';
import { s3SettingsFromEnv } from '../../store/s3-client.js';
import { openStore } from '../../store/open.js';
import type { ArtifactStore } from '../../store/types.js';
import { connectClient, withConnectionFlags, type ConnectionFlags } from '../connection.js';

export interface ReportLocation {
  /** URI of report.html. */
  html: string;
  markdown?: string;
  /** Local path of report.html when the store is a local folder. */
  file?: string;
  from: 'run outputs' | 'store';
}

const localPath = (uri: string) => (uri.startsWith('file://') ? fileURLToPath(uri) : undefined);

/** Finds the report of a run (a workflow id, or `id@runId`) in the store. */
export async function findReportInStore(store: ArtifactStore, run: string): Promise<ReportLocation | undefined> {
  const folder = reportFolder(run);
  if (!(await store.exists(`${folder}report.html`))) return undefined;
  const html = store.uriOf(`${folder}report.html`);
  const file = localPath(html);
  return { html, markdown: store.uriOf(`${folder}report.md`), ...(file ? { file } : {}), from: 'store' };
}

async function fromOutputs(flags: ConnectionFlags, run: string): Promise<ReportLocation | undefined> {
  let conn;
  try {
    conn = await connectClient(flags);
  } catch {
    return undefined;
  }
  try {
    const handle = conn.client.workflow.getHandle(run.split('@')[0]!);
    const desc = await handle.describe();
    if (desc.status.name !== 'COMPLETED') return undefined;
    const outputs = ((await handle.result()) as { outputs?: Record<string, unknown> }).outputs ?? {};
    const location = typeof outputs.report_location === 'string' ? outputs.report_location : undefined;
    const html = location ? `${location}report.html` : typeof outputs.report === 'string' ? outputs.report : undefined;
    if (!html) return undefined;
    const file = localPath(html);
    return { html, ...(location ? { markdown: `${location}report.md` } : {}), ...(file ? { file } : {}), from: 'run outputs' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  } finally {
    await conn.close();
  }
}

export function registerReport(program: Command): void {
  withConnectionFlags(
    program
      .command('report')
      .description("print where a run's report is (HTML and Markdown)")
      .argument('<run>', 'the run: its workflow id, as printed by "repairity run"')
      .option('--store <uri>', 'artifact store (env REPAIRITY_STORE)', readDefaults().store),
  ).action(async (run: string, flags: ConnectionFlags & { store: string }) => {
    const found = (await fromOutputs(flags, run)) ?? (await findReportInStore(await openStore(flags.store, { s3: s3SettingsFromEnv(process.env) }), run));
    if (!found) throw new PermanentError(`no report for run ${run}: it has not finished its report step, or its store is not ${flags.store} (set --store / REPAIRITY_STORE)`);
    process.stdout.write(`${found.file ?? found.html}\n`);
    if (found.file) process.stderr.write(`html: ${found.html}\n`);
    if (found.markdown) process.stderr.write(`markdown: ${found.markdown}\n`);
  });
}
