/** The Claude simulator (the local Anthropic-compatible server) on its own: standalone process, responses files, the SDK's formats. */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JUDGE_TOOL, judgePrompt } from '../../kinds/claude/judge.js';
import { parseResponses, responderFrom, startClaudeSimulator, type ClaudeSimulator, type ScriptedAnswer } from '../../claude-simulator/index.js';
import { teacherEntries } from '../../claude-simulator/mbpp-teacher.js';
import { PermanentError } from '../../core/errors.js';
import { runRepairity } from '../helpers/cli.js';

const request = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'm', max_tokens: 100, messages: [{ role: 'user' as const, content }], ...extra });

describe('responses files', () => {
  it('reads JSON with a default, a bare array, and JSONL; first match wins; a forced tool needs a tool entry', () => {
    const json = parseResponses(JSON.stringify({ responses: [{ match: 'alpha', text: 'A' }, { matchRegex: 'b.ta', text: 'B' }], default: { text: 'D' } }));
    const r = responderFrom(json);
    expect(r(request('say alpha'))).toEqual({ text: 'A' });
    expect(r(request('say beta'))).toEqual({ text: 'B' });
    expect(r(request('gamma'))).toEqual({ text: 'D' });
    expect(parseResponses('[{"match":"x","text":"X"}]').responses).toHaveLength(1);
    const jsonl = parseResponses('{"match":"x","text":"X"}\n\n{"text":"fallback"}\n');
    expect(responderFrom(jsonl)(request('nothing'))).toEqual({ text: 'fallback' });
    const forced = responderFrom(parseResponses(JSON.stringify([{ match: 'judge', text: 'prose' }, { match: 'judge', toolUse: { name: 't', input: { ok: 1 } } }])));
    const tools = { tools: [{ name: 't', input_schema: { type: 'object' } }], tool_choice: { type: 'tool', name: 't' } };
    expect(forced(request('judge this', tools))).toEqual({ toolUse: { name: 't', input: { ok: 1 } } });
    expect(() => parseResponses('{"a":1}\nnot json', 'f.jsonl')).toThrow(PermanentError);
    expect(() => parseResponses('{"a":1}\nnot json', 'f.jsonl')).toThrow(/f.jsonl:2/);
  });

  it('the MBPP teacher answers each task with a trace and its fix (and a seeded share of wrong fixes)', () => {
    const rows = [
      { task_id: 1, text: 'Write a function to add two numbers.', code: 'def add(a, b):\r\n\treturn a + b' },
      { task_id: 2, text: 'Write a function to add two numbers and more.', code: 'def add_more(a, b, c):\r\n  return a + b + c' },
    ];
    const entries = teacherEntries(rows, { wrongFraction: 0 });
    const r = responderFrom({ responses: entries }) as (req: ReturnType<typeof request>) => ScriptedAnswer;
    const answer = r(request('Fix this. Write a function to add two numbers and more. Code: ...'));
    expect(answer.text).toContain('def add_more(a, b, c):\n  return a + b + c');
    expect(answer.thinking).toContain('add_more');
    expect(r(request('Write a function to add two numbers.')).text).toContain('    return a + b');
    const allWrong = teacherEntries(rows, { wrongFraction: 1 });
    expect(allWrong.filter((e) => e.judgeLike === undefined).every((e) => e.text!.includes('return None'))).toBe(true);
  });

  it("the MBPP teacher's judge ranks candidates by closeness to the reference, whatever order they are shown in", () => {
    const rows = [{ task_id: 1, text: 'Write a function to add two numbers.', code: 'def add(a, b):\r\n\treturn a + b' }];
    const r = responderFrom({ responses: teacherEntries(rows, { wrongFraction: 1 }) }) as (req: ReturnType<typeof request>) => ScriptedAnswer;
    const candidates = [{ id: 's0', code: 'def add(a, b):\n    return None' }, { id: 's1', code: 'def add(a, b):\n    return a + b' }, { id: 's2', code: 'print(1)' }];
    const forced = { tools: [{ name: JUDGE_TOOL, input_schema: { type: 'object' } }], tool_choice: { type: 'tool', name: JUDGE_TOOL } };
    const task = { model: 'm', task: 'Fix: Write a function to add two numbers.', original: 'def add(a, b):\n    return a - b', candidates };
    for (const shown of [candidates, [...candidates].reverse()]) {
      const answer = r(request(judgePrompt(task, shown), forced));
      expect(answer.toolUse).toMatchObject({ name: JUDGE_TOOL, input: { ranking: ['s1', 's0', 's2'] } });
    }
    expect(r(request('Write a function to add two numbers.')).text).toContain('## Fix'); // the trace request still gets the trace
  });
});

describe('the server through the official SDK', () => {
  let server: ClaudeSimulator;
  let client: Anthropic;
  beforeAll(async () => {
    server = await startClaudeSimulator({ batchProcessingMs: 0 });
    client = new Anthropic({ apiKey: 'k', baseURL: server.url, maxRetries: 0, logLevel: 'off' });
  });
  afterAll(async () => server.close());

  it('streams thinking, text and tool_use blocks that the SDK assembles into the same message as the JSON answer', async () => {
    server.setResponder(() => ({ thinking: 'think '.repeat(20), text: 'answer '.repeat(20), toolUse: { name: 'rank', input: { ranking: ['a', 'b'], note: 'x'.repeat(50) } } }));
    const params = request('stream me', { max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 1024 } });
    const streamed = await client.messages.stream(params as never).finalMessage();
    const plain = await client.messages.create(params as never);
    const strip = (m: Anthropic.Message) => ({ ...m, parsed_output: undefined, id: '', content: m.content.map((b) => (b.type === 'tool_use' ? { ...b, id: '' } : b.type === 'thinking' ? { ...b, signature: '' } : b)) });
    expect(strip(streamed)).toEqual(strip(plain));
    expect(streamed.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(streamed.stop_reason).toBe('tool_use');
  });

  it('cuts at a stop sequence and lists, cancels and deletes batches', async () => {
    server.setResponder(() => ({ text: 'one STOP two' }));
    const m = await client.messages.create(request('stop', { stop_sequences: ['STOP'] }) as never);
    expect(m).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'STOP', content: [{ type: 'text', text: 'one ' }] });
    server.options.batchProcessingMs = 60_000;
    const b = await client.messages.batches.create({ requests: [{ custom_id: 'x', params: request('q') as never }] });
    const canceled = await client.messages.batches.cancel(b.id);
    expect(['canceling', 'ended']).toContain(canceled.processing_status);
    const after = await client.messages.batches.retrieve(b.id);
    expect(after).toMatchObject({ processing_status: 'ended', request_counts: { canceled: 1 } });
    const ids: string[] = [];
    for await (const x of client.messages.batches.list({ limit: 1 })) ids.push(x.id);
    expect(ids).toContain(b.id);
    expect(await client.messages.batches.delete(b.id)).toEqual({ id: b.id, type: 'message_batch_deleted' });
    server.options.batchProcessingMs = 0;
  });

  it('rejects a thinking budget not below max_tokens and an unknown route with Anthropic error bodies', async () => {
    await expect(client.messages.create(request('x', { max_tokens: 1024, thinking: { type: 'enabled', budget_tokens: 1024 } }) as never)).rejects.toMatchObject({ status: 400, type: 'invalid_request_error' });
    const res = await fetch(`${server.url}/v1/nothing`);
    expect(res.status).toBe(404);
    expect(res.headers.get('request-id')).toMatch(/^req_test_/);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe('standalone', () => {
  it('`repairity claude-simulator` serves a responses file, prints its URL, and reports its counters on SIGTERM', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'claude-simulator-'));
    const file = path.join(dir, 'teacher.jsonl');
    await fs.writeFile(file, '{"match":"task 7","text":"scripted seven"}\n');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', '..', 'cli', 'main.ts'), 'claude-simulator', '--port', '0', '--responses', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const client = new Anthropic({ apiKey: 'any', baseURL: url, maxRetries: 0, logLevel: 'off' });
      const m = await client.messages.create(request('solve task 7') as never);
      expect(m.content[0]).toMatchObject({ type: 'text', text: 'scripted seven' });
      const counters = (await (await fetch(`${url}/_test/counters`)).json()) as { successes: number };
      expect(counters.successes).toBe(1);
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      expect(err).toMatch(/1 requests, 1 succeeded/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('`--mbpp --write-responses` writes the MBPP teacher\'s answers; a malformed row is named by file and line', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'claude-simulator-'));
    try {
      const mbpp = path.join(dir, 'mbpp.jsonl');
      await fs.writeFile(mbpp, `${JSON.stringify({ task_id: 1, text: 'Write a function to add.', code: 'def add(a, b):\n    return a + b' })}\n`);
      const out = path.join(dir, 'answers', 'teacher.jsonl');
      const written = await runRepairity(['claude-simulator', '--mbpp', mbpp, '--write-responses', out, '--wrong', '0']);
      expect(written.error).toBeUndefined();
      expect(written.stdout).toMatch(/2 scripted answers/);
      const entries = parseResponses(await fs.readFile(out, 'utf8')).responses;
      expect(entries.map((e) => e.match)).toEqual(['Write a function to add.', 'Write a function to add.']);
      expect(entries[0]!.text).toContain('return a + b');
      await fs.appendFile(mbpp, '{"task_id": 2}\n');
      expect((await runRepairity(['claude-simulator', '--mbpp', mbpp, '--write-responses', out])).error).toMatch(/mbpp\.jsonl:2: expected a JSON object with string fields "text" and "code"/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
