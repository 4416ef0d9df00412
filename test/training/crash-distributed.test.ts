/**
 * The crash test at world size 2 on the real Temporal dev server: PPO runs as a group of two
 * ranks under torchrun. After a checkpoint, at a random moment, one random rank is SIGKILLed
 * (worker alive): the whole group must stop with no process left, and the retry resume from the
 * last checkpoint. After the retry's next checkpoint, the worker itself is SIGKILLed: its group
 * must end too, and a fresh worker resume it. The final weights' hash equals that of an
 * uninterrupted world-size-2 run.
 */
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { CRASH_DEFAULTS, crashHarness, jsonl, killWorker, pendingBeats, processesUnder, sleep, startWorker, until, type Proc } from './worker-control.js';

const h = crashHarness('repairity-crash-dist-');

const PIPELINE = `
name: train-crash-distributed
params:
  prompts: { type: string }
${CRASH_DEFAULTS}
steps:
  ppo:
    uses: train.ppo
    with:
      prompts: \${{ params.prompts }}
      toyReward: char_fraction:a
      config:
        threads: 1
        distributed: { nproc_per_node: 2 }
        # Enough that each attempt outlasts the 2 s heartbeat throttle several times on an idle
        # machine, so the kills land mid-run whatever the machine's speed.
        iterations: 120
        batch_size: 8
        minibatch_size: 4
        ppo_epochs: 2
        max_new_tokens: 8
        checkpoint: { interval: 2, keep: 2 }
outputs:
  ppo: \${{ steps.ppo.outputs.sha256 }}
  ppoResumedFrom: \${{ steps.ppo.outputs.resumedFrom }}
`;


/** The group of the running attempt: torchrun and its two ranks, in the newest ppo work folder. */
async function group(work: string): Promise<{ torchrun: Proc; ranks: Proc[] }> {
  const procs = (await processesUnder(work)).filter((p) => p.cmdline.includes('trainer'));
  const torchrun = procs.find((p) => p.cmdline.includes('torch.distributed.run'));
  const ranks = procs.filter((p) => !p.cmdline.includes('torch.distributed.run'));
  if (!torchrun || ranks.length !== 2) throw new Error(`expected torchrun and 2 ranks under ${work}, found ${JSON.stringify(procs.map((p) => p.cmdline.slice(0, 80)))}`);
  return { torchrun, ranks };
}

/** Waits for a stored checkpoint heartbeated by `attempt`, past step `after`; then a random moment more. */
async function checkpointOf(handle: WorkflowHandle, attempt: number, after: number): Promise<number> {
  let step = -1;
  await until(`a checkpoint of attempt ${attempt} after step ${after}`, async () => {
    const beat = (await pendingBeats(handle)).find((b) => b.checkpoint && b.attempt === attempt && (b.checkpointStep ?? 0) > after);
    step = beat?.checkpointStep ?? -1;
    return beat !== undefined;
  });
  await sleep(Math.random() * 1500);
  return step;
}

const noneRunning = async (procs: Proc[]) => {
  const alive = new Set((await processesUnder(h.root)).map((p) => p.pid));
  return procs.every((p) => !alive.has(p.pid));
};

describe('training at world size 2 survives crashes on the real Temporal dev server', () => {
  it('PPO: a killed rank, then a killed worker, end with the weights of an uninterrupted world-size-2 run', async () => {
    const prompts = (await h.engine.store.putContent(jsonl(Array.from({ length: 16 }, (_, i) => ({ prompt: `say a ${i}:` }))))).uri;
    const plan = h.engine.compile(PIPELINE, 'train-crash-distributed.yaml');

    const refWorker = await startWorker(h.engine, path.join(h.root, 'work-ref'), h.children);
    const reference = await (await h.engine.start(plan, { prompts })).result();
    await killWorker(refWorker);
    expect(reference.outputs.ppoResumedFrom).toBeNull();

    const work = path.join(h.root, 'work');
    let worker = await startWorker(h.engine, work, h.children);
    const handle = await h.engine.start(plan, { prompts });

    // 1. One rank SIGKILLed: the group stops, nothing is left, the same worker's retry resumes.
    const first = await checkpointOf(handle, 1, 0);
    const g1 = await group(work);
    const victim = g1.ranks[Math.floor(Math.random() * 2)]!;
    process.kill(victim.pid, 'SIGKILL');
    await until('the whole first group to stop', () => noneRunning([g1.torchrun, ...g1.ranks]), 120_000);

    // 2. The worker SIGKILLed after the retry's next checkpoint: its group ends; a new worker resumes.
    await checkpointOf(handle, 2, first);
    const g2 = await group(work);
    await killWorker(worker);
    await until('the second group to end after its worker died', () => noneRunning([g2.torchrun, ...g2.ranks]), 120_000);
    worker = await startWorker(h.engine, work, h.children);

    const crashed = await handle.result();
    await killWorker(worker);
    expect(crashed.outputs.ppo).toBe(reference.outputs.ppo);
    expect(crashed.outputs.ppoResumedFrom).toBeGreaterThan(first);
    expect(await processesUnder(h.root)).toEqual([]);
  }, 1_200_000);
});
