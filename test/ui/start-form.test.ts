/**
 * The Repairity pipeline started from the Temporal UI's "Start a Workflow" form, driven in headless
 * Chromium (Debian's, through playwright-core), runs to completion on real workers (simulated
 * teacher, Docker sandbox, MinIO store, tiny model). It is the same pipelines/repairity.yaml as
 * the end-to-end test, with the same tiny params. Screenshots go to $REPAIRITY_UI_SCREENSHOTS
 * (default: <tmp>/repairity-ui), outside the repository.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ClaudeSimulator } from '../../claude-simulator/index.js';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { ensureImages, testDocker } from '../sandbox/helpers.js';
import { minioStore, repoRoot, startTeacher, workerEnv } from '../pipeline/services.js';
import { TINY_PARAMS } from '../pipeline/tiny-params.js';

const CHROMIUM = '/usr/bin/chromium';
// Flags known to work on this kind of machine (closed network: no background connections).
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!existsSync(CHROMIUM))('Temporal UI start-workflow form', () => {
  let server: ClaudeSimulator;
  let engine: TestEngine;
  let browser: Browser;
  let restoreEnv: () => void = () => undefined;
  const shots = process.env.REPAIRITY_UI_SCREENSHOTS ?? path.join(os.tmpdir(), 'repairity-ui');

  beforeAll(async () => {
    await ensureImages(testDocker());
    server = await startTeacher();
    restoreEnv = workerEnv(server.url);
    engine = await createTestEngine({ store: minioStore(), pipelinesDir: path.join(repoRoot, 'pipelines'), limits: { claude: { maxConcurrent: 8 } } });
    await fs.mkdir(shots, { recursive: true });
    // playwright gives each launch a new empty profile (user data dir) of its own
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await engine?.close();
    await server?.close();
    restoreEnv();
  });

  it('starts runPipeline with {pipeline, params} from the form and the run completes', async () => {
    const ui = inject('temporalUiAddress');
    const workflowId = `ui-repairity-${Date.now()}`;
    const input = JSON.stringify({ pipeline: 'repairity.yaml', params: TINY_PARAMS });
    const page = await browser.newPage({ viewport: { width: 1300, height: 950 } });
    await page.goto(`${ui}/namespaces/default/workflows/start-workflow`);
    await page.getByTestId('workflowId').fill(workflowId);
    await page.getByTestId('taskQueue').fill(engine.taskQueue);
    await page.getByTestId('workflowType').fill('runPipeline');
    // the Data field is a CodeMirror editor: insert the text (typing would auto-close brackets)
    await page.locator('.cm-content').first().click();
    await page.keyboard.insertText(input);
    // leave the editor (it commits and formats the JSON on blur), then start
    await page.getByTestId('workflowType').click();
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(shots, 'start-form.png') });
    const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes(`/workflows/${workflowId}`));
    await page.getByTestId('start-workflow-button').click();
    expect((await posted).status()).toBe(200);

    const handle = engine.client.workflow.getHandle(workflowId);
    const started = Date.now();
    for (;;) {
      try {
        await handle.describe();
        break;
      } catch {
        if (Date.now() - started > 30_000) throw new Error('the form did not start the workflow within 30 s');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const summary = (await handle.result()) as { state: string; outputs: Record<string, unknown> };
    expect(summary.state).toBe('succeeded');
    expect(String(summary.outputs.report)).toMatch(/^s3:\/\//);
    const desc = await handle.describe();
    expect(desc.status.name).toBe('COMPLETED');

    await page.goto(`${ui}/namespaces/default/workflows/${workflowId}`);
    await page.getByText('Completed').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(shots, 'completed.png'), fullPage: false });
    console.log(`UI screenshots: ${shots}/start-form.png, ${shots}/completed.png`);
  }, 1_200_000);
});
