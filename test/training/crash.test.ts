/**
 * The crash test on the real Temporal dev server: a pipeline runs SFT -> reward -> PPO on the tiny
 * model. The worker is killed with SIGKILL during SFT (after a checkpoint), the trainer process
 * alone is killed during the reward model (worker alive), and the next worker is killed during PPO
 * (after a checkpoint). Fresh workers resume each step from its last heartbeated checkpoint, and
 * every final weights hash equals that of an uninterrupted run.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { CRASH_DEFAULTS, crashHarness, jsonl, killWorker, pendingBeats, sleep, startWorker as startWorkerOf } from './worker-control.js';

const h = crashHarness('repairity-crash-');

const PIPELINE = `
name: train-crash
params:
  sftData: { type: string }
  prefs: { type: string }
  prompts: { type: string }
${CRASH_DEFAULTS}
steps:
  sft:
    uses: train.sft
    with:
      dataset: \${{ params.sftData }}
      config:
        threads: 1
        max_steps: 1000
        batch_size: 4
        optim: { lr: 0.01 }
        lora: { rank: 4, alpha: 16, dropout: 0.1, target_modules: [q_proj, v_proj, o_proj, up_proj, down_proj] }
        checkpoint: { interval: 5, keep: 2 }
  reward:
    uses: train.reward
    with:
      model: \${{ steps.sft.outputs.model }}
      dataset: \${{ params.prefs }}
      config: { threads: 1, max_steps: 1000, batch_size: 4, checkpoint: { interval: 5, keep: 2 } }
  ppo:
    uses: train.ppo
    with:
      policy: \${{ steps.sft.outputs.model }}
      rewardModel: \${{ steps.reward.outputs.model }}
      prompts: \${{ params.prompts }}
      config:
        threads: 1
        iterations: 160
        batch_size: 8
        minibatch_size: 4
        ppo_epochs: 2
        max_new_tokens: 8
        checkpoint: { interval: 2, keep: 2 }
outputs:
  sft: \${{ steps.sft.outputs.sha256 }}
  sftResumedFrom: \${{ steps.sft.outputs.resumedFrom }}
  reward: \${{ steps.reward.outputs.sha256 }}
  rewardResumedFrom: \${{ steps.reward.outputs.resumedFrom }}
  ppo: \${{ steps.ppo.outputs.sha256 }}
  ppoResumedFrom: \${{ steps.ppo.outputs.resumedFrom }}
`;

const startWorker = (workRoot: string) => startWorkerOf(h.engine, workRoot, h.children);

/**
 * Waits until the server holds a heartbeat of the running step that names a stored checkpoint
 * (so a retry has something to resume from), then a random moment more; returns the stage's
 * newest work folder.
 */
async function afterCheckpointHeartbeat(handle: WorkflowHandle, workRoot: string, stage: string, seen: Set<string>, deadlineMs = 300_000): Promise<string> {
  const start = Date.now();
  while (Date.now() - start < deadlineMs) {
    const dirs = (await fs.readdir(workRoot).catch(() => [] as string[])).filter((n) => n.startsWith(`repairity-${stage}-`) && !seen.has(n));
    if (dirs.length > 0) {
      if ((await pendingBeats(handle)).some((beat) => beat.checkpoint)) {
        await sleep(Math.random() * 1000);
        for (const d of dirs) seen.add(d);
        return path.join(workRoot, dirs[dirs.length - 1]!);
      }
    }
    await sleep(200);
  }
  throw new Error(`no ${stage} checkpoint was heartbeated`);
}

/** The pid of the trainer process working in `workDir` (only our own child: matched by its cwd). */
async function trainerPid(workDir: string): Promise<number> {
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await fs.readlink(`/proc/${entry}/cwd`).catch(() => '');
    const cmd = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cwd === workDir && cmd.includes('trainer')) return Number(entry);
  }
  throw new Error(`no trainer process for ${workDir}`);
}

async function stageData(): Promise<Record<string, string>> {
  const words = Array.from({ length: 32 }, (_, i) => 'abcdefgh'.repeat(2).slice(i % 8, (i % 8) + 5));
  const put = async (rows: object[]) => (await h.engine.store.putContent(jsonl(rows))).uri;
  return {
    sftData: await put(words.map((w) => ({ prompt: `reverse ${w}:`, trace: 'backwards', fix: [...w].reverse().join('') }))),
    prefs: await put(Array.from({ length: 24 }, (_, i) => ({ prompt: `fix ${i}:`, chosen: words[i]!, rejected: String(100000 + i * 7919) }))),
    prompts: await put(Array.from({ length: 16 }, (_, i) => ({ prompt: `reverse ${words[i]}:` }))),
  };
}


describe('training survives crashes on the real Temporal dev server', () => {
  it('SFT -> reward -> PPO: killed worker (SFT), killed trainer (reward), killed worker (PPO) end with the weights of an uninterrupted run', async () => {
    const params = await stageData();
    const plan = h.engine.compile(PIPELINE, 'train-crash.yaml');

    // Uninterrupted reference run.
    const refWork = path.join(h.root, 'work-ref');
    const refWorker = await startWorker(refWork);
    const reference = await (await h.engine.start(plan, params)).result();
    await killWorker(refWorker);
    expect(reference.outputs).toMatchObject({ sftResumedFrom: null, rewardResumedFrom: null, ppoResumedFrom: null });

    // The same run, crashed three times.
    const work = path.join(h.root, 'work');
    let worker = await startWorker(work);
    const handle = await h.engine.start(plan, params);

    const seen = new Set<string>();
    await afterCheckpointHeartbeat(handle, work, 'sft', seen);
    await killWorker(worker);
    worker = await startWorker(work);

    const rewardDir = await afterCheckpointHeartbeat(handle, work, 'reward', seen);
    process.kill(await trainerPid(rewardDir), 'SIGKILL');

    await afterCheckpointHeartbeat(handle, work, 'ppo', seen);
    await killWorker(worker);
    worker = await startWorker(work);

    const crashed = await handle.result();
    await killWorker(worker);
    expect(crashed.outputs.sft).toBe(reference.outputs.sft);
    expect(crashed.outputs.reward).toBe(reference.outputs.reward);
    expect(crashed.outputs.ppo).toBe(reference.outputs.ppo);
    // Each step really resumed from a checkpoint rather than starting over.
    expect(crashed.outputs.sftResumedFrom).toBeGreaterThan(0);
    expect(crashed.outputs.rewardResumedFrom).toBeGreaterThan(0);
    expect(crashed.outputs.ppoResumedFrom).toBeGreaterThan(0);
  }, 900_000);
});
