/**
 * `findReportInStore` on a real LocalStore, for a fresh run and for a run whose report step was
 * served from the step cache (it wrote no `reports/<run>/` of its own; its outputs name the report
 * that an earlier run built).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createBuildStep } from '../../kinds/report/build.js';
import type { ReportInput } from '../../kinds/report/content.js';
import { findReportInStore } from '../../cli/commands/report.js';
import { LocalStore } from '../../store/local.js';
import { recordingContext } from '../helpers/step-context.js';

const input: ReportInput = {
  title: 'Cached report',
  pipeline: 'repairity',
  models: [{ model: 'base', tasks: 4, samples: 4, passAt1: 0.25, passAtK: { '1': 0.25 }, accuracy: 0.25, compilationRate: 1, bleu: 10, resolvedRate: 0.25 }],
  comparisons: [],
  training: {},
  data: { tasks: 4 },
};

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

/** A store in which run `first` built its report; returns the pipeline outputs its report step gave (what a cached run gets verbatim). */
async function storeWithReport(first = 'repairity-demo-first') {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-report-test-'));
  dirs.push(dir);
  const store = new LocalStore(dir);
  const out = await createBuildStep(() => new Date('2026-11-24T00:00:00Z'))(input, recordingContext(store, { runId: `${first}@r1`, stepId: 'report' }));
  // pipelines/repairity.yaml: report = steps.report.outputs.html, report_location = .location, report_json = .json
  const outputs = { report: out.html, report_location: out.location, report_json: out.json };
  return { store, dir, outputs, html: (await store.read(out.html)).toString() };
}

describe('findReportInStore', () => {
  it("gives a fresh run's own report.html as a local file", async () => {
    const { store, dir, outputs, html } = await storeWithReport();
    const found = await findReportInStore(store, 'repairity-demo-first', outputs);
    expect(found?.file).toBe(path.join(dir, 'reports', 'repairity-demo-first', 'report.html'));
    expect(await fs.readFile(found!.file!, 'utf8')).toBe(html);
    expect(found?.reusedFrom).toBeUndefined();
    // without outputs (Temporal not reachable) the store alone still finds it
    expect((await findReportInStore(store, 'repairity-demo-first'))?.file).toBe(found?.file);
  });

  it('a store that refuses the copy (read-only credentials) is reported, and the search goes on without it', async () => {
    const { store, outputs } = await storeWithReport();
    const readOnly = Object.assign(Object.create(store) as LocalStore, {
      put: () => Promise.reject(new Error('AccessDenied: read-only credentials')),
    });
    const told: unknown[] = [];
    expect(await findReportInStore(readOnly, 'repairity-demo-second', outputs, (err) => told.push(err))).toBeUndefined();
    expect(String(told[0])).toMatch(/AccessDenied/);
    // Without a callback the refusal is an error, as before.
    await expect(findReportInStore(readOnly, 'repairity-demo-second', outputs)).rejects.toThrow(/AccessDenied/);
  });

  it('copies the report a cached run reused into reports/<run>/, with its Markdown, JSON and charts', async () => {
    const { store, dir, outputs, html } = await storeWithReport();
    // before: the cached run has no folder; the outputs name a blob, not an .html file
    expect(await findReportInStore(store, 'repairity-demo-second')).toBeUndefined();
    expect(outputs.report).toMatch(/\/blobs\/sha256\//);

    const found = await findReportInStore(store, 'repairity-demo-second@r2', outputs);
    const folder = path.join(dir, 'reports', 'repairity-demo-second');
    expect(found).toMatchObject({ file: path.join(folder, 'report.html'), from: 'store', reusedFrom: 'repairity-demo-first@r1' });
    expect(await fs.readFile(found!.file!, 'utf8')).toBe(html);
    expect(html).toMatch(/^<!doctype html>/i);
    expect(found?.markdown).toBe(store.uriOf('reports/repairity-demo-second/report.md'));
    const files = (await fs.readdir(folder)).filter((f) => !f.startsWith('.')).sort();
    expect(files).toEqual((await fs.readdir(path.join(dir, 'reports', 'repairity-demo-first'))).filter((f) => !f.startsWith('.')).sort());
    expect(files).toEqual(expect.arrayContaining(['report.html', 'report.md', 'report.json', 'chart-1.svg']));
    expect(await store.stat('reports/repairity-demo-second/report.html')).toMatchObject({ mediaType: 'text/html', run: 'repairity-demo-first@r1' });

    // afterwards the store alone (no outputs) finds it too, and still says which run built it
    expect(await findReportInStore(store, 'repairity-demo-second')).toMatchObject({ file: found?.file, reusedFrom: 'repairity-demo-first@r1' });
  });

  it('copies report.html from the blob alone when the folder of the run that built it is gone', async () => {
    const { store, dir, outputs, html } = await storeWithReport();
    await fs.rm(path.join(dir, 'reports', 'repairity-demo-first'), { recursive: true });
    const found = await findReportInStore(store, 'repairity-demo-third', outputs);
    expect(await fs.readFile(found!.file!, 'utf8')).toBe(html);
    expect(found?.markdown).toBeUndefined();
    expect(await fs.readdir(path.join(dir, 'reports', 'repairity-demo-third'))).not.toContain('report.md');
  });

  it('does not copy sibling files from a folder whose report.html is not the one the outputs name', async () => {
    const { store, dir, outputs, html } = await storeWithReport();
    await store.put('reports/repairity-demo-first/report.html', '<!doctype html><p>a later run with the same id</p>', { mediaType: 'text/html' });
    const found = await findReportInStore(store, 'repairity-demo-fourth', outputs);
    expect(await fs.readFile(found!.file!, 'utf8')).toBe(html);
    expect(await fs.readdir(path.join(dir, 'reports', 'repairity-demo-fourth'))).toEqual(['report.html']);
  });

  it("replaces a folder's report.html that is not the one the run's outputs name", async () => {
    const { store, outputs, html } = await storeWithReport();
    await store.put('reports/repairity-demo-fifth/report.html', 'stale', { mediaType: 'text/html' });
    const found = await findReportInStore(store, 'repairity-demo-fifth', outputs);
    expect(await fs.readFile(found!.file!, 'utf8')).toBe(html);
  });

  it('leaves outputs of another store alone and finds nothing', async () => {
    const { outputs } = await storeWithReport();
    const other = new LocalStore(await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-report-other-')));
    dirs.push(other.rootUri.replace('file://', ''));
    expect(await findReportInStore(other, 'repairity-demo-second', outputs)).toBeUndefined();
    expect(await findReportInStore(other, 'repairity-demo-second', { report: 42 })).toBeUndefined();
  });
});

describe('repairity report', () => {
  it('prints the local path from the store when Temporal is not reachable, and --out copies the HTML', async () => {
    const { dir, html } = await storeWithReport();
    const out = path.join(dir, 'copy', 'r.html');
    const cli = (...args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'report', ...args, '--store', dir, '--address', '127.0.0.1:1']);
    // concurrently: each waits out the 5 s connect timeout to the unreachable Temporal address
    const [plain, copied, missing] = await Promise.allSettled([cli('repairity-demo-first'), cli('repairity-demo-first', '--out', out), cli('repairity-demo-never')]);
    expect(plain).toMatchObject({ status: 'fulfilled', value: { stdout: `${path.join(dir, 'reports', 'repairity-demo-first', 'report.html')}\n`, stderr: expect.stringContaining('markdown: file://') } });
    expect(copied).toMatchObject({ status: 'fulfilled', value: { stdout: `${out}\n` } });
    expect(await fs.readFile(out, 'utf8')).toBe(html);
    expect(missing).toMatchObject({ status: 'rejected', reason: { stderr: expect.stringContaining('no report for run repairity-demo-never') } });
  });
});
