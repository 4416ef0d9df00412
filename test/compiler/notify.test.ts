/** The `notify:` block: compiled into the plan, and every mistake reported at file:line:column (also by `repairity validate`). */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compilePipeline, formatDiagnostics } from '../../compiler/index.js';
import { testCatalog } from './catalog.js';

const STEPS = `name: notified
params:
  threshold: { type: number, default: 0.5 }
steps:
  a:
    uses: test.sample
    with: { dataset: "file:///data.jsonl", fraction: 0.5 }
`;

describe('notify:', () => {
  it('compiles into the plan: events as a list, the condition without its ${{ }}', () => {
    const r = compilePipeline(
      `${STEPS}notify:
  team:
    on: failure
    webhookEnv: TEAM_HOOK
  wins:
    on: [success]
    if: \${{ steps.a.outputs.count > params.threshold }}
    webhook: https://hooks.example/abc
    text: it worked
`,
      { file: 'n.yaml', catalog: testCatalog },
    );
    expect(r.ok ? '' : formatDiagnostics(r.diagnostics)).toBe('');
    if (!r.ok) return;
    expect(r.plan.notify).toEqual({
      team: { on: ['failure'], webhookEnv: 'TEAM_HOOK' },
      wins: { on: ['success'], if: 'steps.a.outputs.count > params.threshold', webhook: 'https://hooks.example/abc', text: 'it worked' },
    });
  });

  it('leaves the plan (and its hash) as before when absent', () => {
    const r = compilePipeline(STEPS, { file: 'n.yaml', catalog: testCatalog });
    expect(r.ok && 'notify' in r.plan).toBe(false);
  });

  it('reports each mistake at its file:line:column', () => {
    const r = compilePipeline(
      `${STEPS}notify:
  team:
    on: [failure, sometimes]
    webhook: https://hooks.example/abc
  ops:
    on: success
    webhook: ftp://hooks.example
    if: steps.b.outputs.count
  both:
    on: failure
    webhook: https://hooks.example/abc
    webhookEnv: HOOK
  neither:
    on: failure
  bad-env:
    on: failure
    webhookEnv: 1NOPE
    colour: red
`,
      { file: 'n.yaml', catalog: testCatalog },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = formatDiagnostics(r.diagnostics);
    expect(text).toContain('n.yaml:10:19: notifier "team": unknown event "sometimes"; events are failure, success');
    expect(text).toContain('n.yaml:14:14: notifier "ops": webhook "ftp://hooks.example" is not an http(s) URL');
    expect(text).toContain('n.yaml:15:9: unknown step "b" in ${{ steps.b.outputs.count }}');
    expect(text).toContain('n.yaml:16:3: notifier "both" needs exactly one of webhook (the URL) or webhookEnv');
    expect(text).toContain('n.yaml:20:3: notifier "neither" needs exactly one of webhook');
    expect(text).toMatch(/n\.yaml:24:17: .*webhookEnv/);
    expect(text).toMatch(/n\.yaml:25:5: .*colour/);
  });

  it('`repairity validate` prints the position and exits non-zero', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-notify-'));
    const file = path.join(dir, 'bad.yaml');
    await fs.writeFile(file, `name: bad\nsteps:\n  a:\n    uses: data.sample\n    with: { dataset: "file:///d.jsonl", count: 1 }\nnotify:\n  team:\n    on: [failure, late]\n    webhook: https://hooks.example/x\n`);
    try {
      const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'validate', file], { cwd: process.cwd() });
      const err = (await run.then(() => undefined, (e: unknown) => e)) as { code: number; stderr: string } | undefined;
      expect(err?.code).toBe(1);
      expect(err?.stderr).toContain(`${file}:8:19: notifier "team": unknown event "late"`);
      expect(err?.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
