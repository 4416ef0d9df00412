/**
 * `notify:` webhooks from real runs (shared Temporal dev server, real workers) to a local
 * receiver: a failing run posts once with its failed step and error, a succeeding one once, a
 * receiver failing twice gets the message once, one that stays down never fails the run.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postOnce } from '../../activities/run-end/webhook.js';
import { PermanentError } from '../../core/errors.js';
import { LocalStore } from '../../store/local.js';
import type { RunSummary } from '../../engine/progress.js';
import { createTestEngine, defineTestKind, type TestEngine } from '../helpers/engine.js';
import { startReceiver, type Receiver } from './receiver.js';

const explode = defineTestKind<{ message: string }, Record<string, never>>(
  { name: 'test.explode', input: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] }, output: { type: 'object' } },
  async (input) => {
    throw new PermanentError(input.message);
  },
);
const fine = defineTestKind<Record<string, never>, { promoted: boolean }>(
  { name: 'test.fine', input: { type: 'object' }, output: { type: 'object', properties: { promoted: { type: 'boolean' } } } },
  async () => ({ promoted: true }),
);

const pipeline = (name: string, url: string, fail: boolean) => `
name: ${name}
steps:
  prepare:
    uses: test.fine
  ${fail ? `explode:\n    uses: test.explode\n    needs: [prepare]\n    with: { message: "the disk is full" }` : 'after:\n    uses: test.fine\n    needs: [prepare]'}
notify:
  team:
    on: [failure, success]
    webhook: ${url}
  promotions:
    on: success
    if: steps.prepare.outputs.promoted == false
    webhook: ${url}
`;

describe('notify: webhooks at the end of a run', () => {
  let engine: TestEngine;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    engine = await createTestEngine({ kinds: [explode, fine], runEnd: { env: {}, uiUrl: 'http://ui.example:8233', post: { attempts: 4, retryDelayMs: 50, timeoutMs: 5000 } } });
  });

  afterAll(async () => {
    await engine?.close();
    await receiver?.close();
  });

  it('a failing run posts once, naming the failed step and its error', async () => {
    const before = receiver.posts.length;
    const handle = await engine.start(engine.compile(pipeline('nightly-fails', receiver.url, true)));
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const posts = receiver.posts.slice(before);
    expect(posts).toHaveLength(1);
    const text = posts[0]!.body.text;
    expect(text).toContain('pipeline nightly-fails failed');
    expect(text).toContain('failed step "explode" (test.explode)');
    expect(text).toContain('the disk is full');
    expect(text).toContain(`http://ui.example:8233/namespaces/default/workflows/${handle.workflowId}/`);
    expect(posts[0]!.body.blocks).toHaveLength(1);
  });

  it('a succeeding run posts once; a notifier whose if: is false posts nothing', async () => {
    const before = receiver.posts.length;
    const summary = await engine.run(pipeline('nightly-ok', receiver.url, false));
    expect(summary.state).toBe('succeeded');
    expect(summary.notes).toBeUndefined();
    const posts = receiver.posts.slice(before);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body.text).toContain('pipeline nightly-ok succeeded');
    expect(posts[0]!.body.text).toMatch(/steps: 2 (succeeded|cached);/);
  });

  it('a receiver answering 500 twice, then 200, gets the message once', async () => {
    const before = receiver.posts.length;
    receiver.failNext(500, 500);
    const summary = await engine.run(pipeline('flaky-receiver', receiver.url, false));
    expect(summary.notes).toBeUndefined();
    const posts = receiver.posts.slice(before);
    expect(posts.map((p) => p.status)).toEqual([500, 500, 200]);
    expect(posts.filter((p) => p.status === 200)).toHaveLength(1);
  });

  it('a receiver that stays down never fails the run: the run says so', async () => {
    receiver.failNext(503, 503, 503, 503);
    const summary: RunSummary = await engine.run(pipeline('receiver-down', receiver.url, false));
    expect(summary.state).toBe('succeeded');
    expect(summary.notes).toHaveLength(1);
    expect(summary.notes![0]).toContain('notifier "team": posting to http://127.0.0.1');
    expect(summary.notes![0]).toContain('HTTP 503');
    // The URL's path (where a Slack webhook keeps its secret) is not shown.
    expect(summary.notes![0]).not.toContain('secret-token');
  });

  it('posts at most once per run and notifier, however often it is asked (activity retries, replays)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-notify-'));
    try {
      const store = new LocalStore(dir);
      const before = receiver.posts.length;
      const key = { runId: 'wf@run', notifier: 'team', event: 'failure' };
      expect(await postOnce(store, key, receiver.url, { text: 'once' })).toBeUndefined();
      expect(await postOnce(store, key, receiver.url, { text: 'once' })).toBeUndefined();
      expect(receiver.posts.length - before).toBe(1);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
