/**
 * `repairity report <run>`: where a run's report is. It lives under `reports/<workflow id>/` in the
 * store (where `report.build` writes it). A run whose report step was served from the step cache
 * wrote no folder of its own: its outputs (`report`, the HTML blob; `report_location`, the folder of
 * the run that built it) name the report it reused, which is then copied into its folder, so every
 * finished run has a `report.html` that opens in a browser. The run's outputs are read when the run
 * has finished and Temporal is reachable; otherwise the store alone is searched.
 *
 * Local store: prints the file's path. S3: prints the s3:// URI (nothing is downloaded unless
 * `--out <file>` asks for a local copy).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { reportFolder } from '../../kinds/report/build.js';
import { PermanentError } from '../../core/errors.js';
import { openStore } from '../../store/open.js';
import type { ArtifactStore } from '../../store/types.js';
import { connectClient, withConnectionFlags, type ConnectionFlags } from '../connection.js';
import { loadDefaults, loadSettings } from '../../worker/settings.js';

export interface ReportLocation {
  /** URI of report.html. */
  html: string;
  markdown?: string;
  /** Local path of report.html when the store is a local folder. */
  file?: string;
  from: 'run outputs' | 'store';
  /** The run that built the report, when it is another run (this run's report step was served from the step cache). */
  reusedFrom?: string;
}

const localPath = (uri: string) => (uri.startsWith('file://') ? fileURLToPath(uri) : undefined);

/** A string output that names an object of this store (outputs of a run on another store are left alone). */
const inStore = (store: ArtifactStore, value: unknown): string | undefined => (typeof value === 'string' && value.startsWith(`${store.rootUri}/`) ? value : undefined);

/**
 * Makes `folder` hold the report the run's outputs name, when it does not already: report.html from
 * the `report` blob (verified as it is read); report.md, report.json and the charts from the folder
 * `report_location` names, if that folder's report.html is this same report. report.html is written
 * last, so its presence means the folder is complete. The copies keep the lineage (run, step) of
 * the report they copy.
 */
async function copyNamedReport(store: ArtifactStore, folder: string, outputs: Record<string, unknown>): Promise<void> {
  const blob = inStore(store, outputs.report);
  if (!blob || !(await store.exists(blob))) return;
  const html = await store.read(blob);
  const target = `${folder}report.html`;
  if ((await store.exists(target)) && (await store.read(target)).equals(html)) return;
  const { run, step } = await store.stat(blob);
  const lineage = { ...(run ? { run } : {}), ...(step ? { step } : {}) };
  const source = inStore(store, outputs.report_location);
  const sourceKey = source ? store.uriOf(source).slice(store.rootUri.length + 1) : undefined;
  if (sourceKey && `${sourceKey}/` !== folder && (await store.exists(`${sourceKey}/report.html`)) && (await store.read(`${sourceKey}/report.html`)).equals(html)) {
    for await (const key of store.list(sourceKey)) {
      const name = key.slice(sourceKey.length + 1);
      if (name === 'report.html' || name.includes('/')) continue;
      const { mediaType } = await store.stat(key);
      await store.put(`${folder}${name}`, await store.read(key), { mediaType, ...lineage });
    }
  }
  await store.put(target, html, { mediaType: 'text/html', ...lineage });
}

/**
 * Finds the report of a run (a workflow id, or `id@runId`) in the store. With the run's outputs,
 * first copies the report they name into the run's folder when that folder does not hold it (a run
 * whose report step was served from the step cache). When that copy fails (read-only credentials,
 * a full disk) and `copyFailed` is given, it is told and the search goes on without the copy;
 * without it, the error is thrown.
 */
export async function findReportInStore(store: ArtifactStore, run: string, outputs?: Record<string, unknown>, copyFailed?: (err: unknown) => void): Promise<ReportLocation | undefined> {
  const folder = reportFolder(run);
  if (outputs) {
    try {
      await copyNamedReport(store, folder, outputs);
    } catch (err) {
      if (!copyFailed) throw err;
      copyFailed(err);
    }
  }
  if (!(await store.exists(`${folder}report.html`))) return undefined;
  const { uri: html, run: builtBy } = await store.stat(`${folder}report.html`);
  const file = localPath(html);
  const markdown = (await store.exists(`${folder}report.md`)) ? store.uriOf(`${folder}report.md`) : undefined;
  const reused = builtBy !== undefined && builtBy.split('@')[0] !== run.split('@')[0];
  return { html, ...(markdown ? { markdown } : {}), ...(file ? { file } : {}), from: 'store', ...(reused ? { reusedFrom: builtBy } : {}) };
}

/** The outputs of a finished run; undefined when Temporal is not reachable or the run has not completed. */
async function finishedOutputs(flags: ConnectionFlags, run: string): Promise<Record<string, unknown> | undefined> {
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
    return ((await handle.result()) as { outputs?: Record<string, unknown> }).outputs ?? {};
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  } finally {
    await conn.close();
  }
}

/** Where the outputs say the report is, as they say it (a run that wrote to another store than --store). */
function fromOutputs(outputs: Record<string, unknown>): ReportLocation | undefined {
  const location = typeof outputs.report_location === 'string' ? outputs.report_location : undefined;
  const html = location ? `${location}report.html` : typeof outputs.report === 'string' ? outputs.report : undefined;
  if (!html) return undefined;
  const file = localPath(html);
  return { html, ...(location ? { markdown: `${location}report.md` } : {}), ...(file ? { file } : {}), from: 'run outputs' };
}

export function registerReport(program: Command): void {
  withConnectionFlags(
    program
      .command('report')
      .description("print where a run's report is (HTML and Markdown); --out copies the HTML to a local file")
      .argument('<run>', 'the run: its workflow id, as printed by "repairity run"')
      .option('--store <uri>', 'artifact store (env REPAIRITY_STORE)', loadDefaults().store)
      .option('-o, --out <file>', 'also copy report.html to this local file (verified) and print its path; for an S3 store, the way to get a file to open'),
  ).action(async (run: string, flags: ConnectionFlags & { store: string; out?: string }) => {
    const store = await openStore(flags.store, { s3: loadSettings().s3 });
    const outputs = await finishedOutputs(flags, run);
    const copyFailed = (err: unknown) => process.stderr.write(`could not copy the reused report into reports/${run}/ (${err instanceof Error ? err.message : String(err)}): printing where the run's outputs say it is\n`);
    const found = (await findReportInStore(store, run, outputs, copyFailed)) ?? (outputs ? fromOutputs(outputs) : undefined);
    if (!found) throw new PermanentError(`no report for run ${run}: it has not finished its report step, or its store is not ${flags.store} (set --store / REPAIRITY_STORE)`);
    let file = found.file;
    if (flags.out) {
      file = path.resolve(flags.out);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await store.getFile(found.html, file);
    }
    process.stdout.write(`${file ?? found.html}\n`);
    if (file) process.stderr.write(`html: ${found.html}\n`);
    else process.stderr.write(`download it to open it: repairity report ${run} --out report.html\n`);
    if (found.markdown) process.stderr.write(`markdown: ${found.markdown}\n`);
    if (found.reusedFrom) process.stderr.write(`the report step was served from the step cache: this is the report run ${found.reusedFrom} built\n`);
  });
}
