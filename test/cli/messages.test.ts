/**
 * Commands given wrong input or pointed at the wrong place answer with one line that says what
 * to do, never a trace (the built CLI, no services needed): sandbox run on a missing file, a
 * folder, or with -o naming its own input; a non-numeric REPAIRITY_SANDBOX_POOL_SIZE; schedule
 * apply on a file without a schedule: block (before connecting); status against an address where
 * nothing listens (refused at once, not after the client's deadline) and against an HTTP/2 server
 * that is not Temporal.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtMain, ensureBuilt, repoRoot } from '../helpers/built-cli.js';

let work: string;

function repairity(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [builtMain, ...args], { cwd: work, timeout: 60_000, env: { ...process.env, ...env } }, (err, _stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

function expectOneLine(stderr: string, fragment: string): void {
  expect(stderr).toContain(fragment);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^repairity: /);
}

beforeAll(async () => {
  await ensureBuilt();
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-messages-'));
  await fs.writeFile(path.join(work, 't.jsonl'), '{"task_id": 1}\n');
}, 120_000);

afterAll(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe('one-line answers', () => {
  it('sandbox run on a missing file, a folder, its own input as output', async () => {
    expectOneLine((await repairity(['sandbox', 'run', 'missing.jsonl'])).stderr, 'cannot read the task file missing.jsonl: no such file');
    expectOneLine((await repairity(['sandbox', 'run', work])).stderr, 'is a folder; name a JSONL task file');
    const same = await repairity(['sandbox', 'run', 't.jsonl', '-o', './t.jsonl']);
    expect(same.code).toBe(1);
    expectOneLine(same.stderr, 'is the task file itself');
    expect(await fs.readFile(path.join(work, 't.jsonl'), 'utf8')).toBe('{"task_id": 1}\n');
  });

  it('a non-numeric REPAIRITY_SANDBOX_POOL_SIZE', async () => {
    expectOneLine((await repairity(['sandbox', 'run', 't.jsonl'], { REPAIRITY_SANDBOX_POOL_SIZE: 'four' })).stderr, 'REPAIRITY_SANDBOX_POOL_SIZE must be a positive number, got "four"');
  });

  it('schedule apply on a file without a schedule: block says so before connecting', async () => {
    const r = await repairity(['schedule', 'apply', path.join(repoRoot, 'pipelines', 'repairity.yaml'), '--address', '127.0.0.1:1']);
    expectOneLine(r.stderr, 'has no schedule: block');
  });

  it('status where nothing listens: refused at once', async () => {
    expectOneLine((await repairity(['status', 'some-run', '--address', '127.0.0.1:1'])).stderr, 'cannot reach Temporal at 127.0.0.1:1: connection refused');
  });

  it('status against an HTTP/2 server that is not Temporal', async () => {
    const server = http2.createServer((_req, res) => {
      res.writeHead(404);
      res.end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expectOneLine((await repairity(['status', 'some-run', '--address', `127.0.0.1:${port}`])).stderr, 'answers HTTP/2 but is not a Temporal frontend');
    } finally {
      server.close();
    }
  });
});
