/**
 * `findReportInStore` on an S3 store (the shared MinIO service) for a run whose report step was
 * served from the step cache: the report is copied into the run's folder in the bucket, reported as
 * its s3:// URI (no local path), and `getFile` (what `repairity report --out` and the demo use)
 * gives a local HTML file.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createBuildStep } from '../../kinds/report/build.js';
import { findReportInStore } from '../../cli/commands/report.js';
import { createS3Client } from '../../store/s3-client.js';
import { readS3Settings } from '../../store/s3-settings.js';
import { S3Store } from '../../store/s3.js';
import { recordingContext } from '../helpers/step-context.js';

const client = createS3Client(
  readS3Settings({ AWS_ENDPOINT_URL: inject('minioEndpoint'), AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: inject('minioAccessKey'), AWS_SECRET_ACCESS_KEY: inject('minioSecretKey') }),
);
afterAll(() => client.destroy());

describe('findReportInStore (S3)', () => {
  it('copies the report a cached run reused into reports/<run>/ in the bucket and gives its s3 URI', async () => {
    const store = new S3Store({ client, bucket: inject('minioBucket'), prefix: `report-cli/${randomUUID()}` });
    const out = await createBuildStep()(
      { title: 'Cached on S3', pipeline: 'repairity', models: [], comparisons: [], training: {}, data: { tasks: 1 } },
      recordingContext(store, { runId: 'repairity-demo-first@r1', stepId: 'report' }),
    );
    const outputs = { report: out.html, report_location: out.location };
    expect(await findReportInStore(store, 'repairity-demo-second')).toBeUndefined();

    const found = await findReportInStore(store, 'repairity-demo-second', outputs);
    expect(found).toEqual({
      html: `${store.rootUri}/reports/repairity-demo-second/report.html`,
      markdown: `${store.rootUri}/reports/repairity-demo-second/report.md`,
      from: 'store',
      reusedFrom: 'repairity-demo-first@r1',
    });
    const keys: string[] = [];
    for await (const k of store.list('reports/repairity-demo-second')) keys.push(k);
    expect(keys.sort()).toEqual(expect.arrayContaining(['reports/repairity-demo-second/report.json', 'reports/repairity-demo-second/chart-1.svg']));

    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-report-s3-'));
    try {
      await store.getFile(found!.html, path.join(dir, 'report.html'));
      expect(await fs.readFile(path.join(dir, 'report.html'))).toEqual(await store.read(out.html));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
