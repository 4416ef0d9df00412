/**
 * bench/training: checkpoint overhead at the default interval (share of training time spent
 * writing checkpoints; goal under 5%), and the time from a worker's death to training running
 * again (goal: heartbeat timeout + 10 s). CPU, tiny model. `make bench-training`.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { measureOverhead } from './overhead.js';
import { measureRecovery } from './recovery.js';
import { trainerPython } from '../../core/env.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 300);
const HEARTBEAT_S = Number(process.env.BENCH_HEARTBEAT_TIMEOUT_S ?? 10);
/** `overhead`, `recovery` or both (default). */
const PART = process.env.BENCH_PART ?? 'all';

async function main(): Promise<void> {
  const python = trainerPython(process.env);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-training-data-'));
  const sftData = path.join(dir, 'sft.jsonl');
  await fs.writeFile(sftData, Array.from({ length: 64 }, (_, i) => JSON.stringify({ prompt: `reverse w${i}:`, trace: 'backwards', fix: `w${i}`.split('').reverse().join('') })).join('\n') + '\n');
  const prompts = path.join(dir, 'prompts.jsonl');
  await fs.writeFile(prompts, Array.from({ length: 32 }, (_, i) => JSON.stringify({ prompt: `task ${i}:` })).join('\n') + '\n');

  const parts: string[] = [];
  const goals: string[] = [];
  if (PART !== 'recovery') {
    parts.push(`checkpoint overhead ${(100 * (await overhead(python, dir))).toFixed(2)}%`);
    goals.push('< 5%');
  }
  if (PART !== 'overhead') {
    const r = await recovery(python);
    parts.push(`recovery ${r.warm.toFixed(1)} s pre-warmed, ${r.cold.toFixed(1)} s cold`);
    goals.push(`< ${r.goal} s`);
  }
  await fs.rm(dir, { recursive: true, force: true });
  console.log(`training: ${parts.join(', ')} (goal ${goals.join(', ')})`);
}

/** Returns the larger checkpoint share of step time of SFT and PPO. */
async function overhead(python: string, dir: string): Promise<number> {
  const sftData = path.join(dir, 'sft.jsonl');
  const prompts = path.join(dir, 'prompts.jsonl');
  // Default interval (50) from trainer/config.py: not set here on purpose.
  const sft = await measureOverhead(python, 'sft', sftData, { max_steps: STEPS, batch_size: 8 });
  const ppo = await measureOverhead(python, 'ppo', prompts, { iterations: 100, batch_size: 8, minibatch_size: 4, ppo_epochs: 2, max_new_tokens: 16, reward: { type: 'toy', rule: 'char_fraction:a' } });
  for (const r of [sft, ppo]) {
    console.log(
      `${r.stage}: ${r.steps} steps, ${r.checkpoints} checkpoints, training ${r.trainSeconds.toFixed(1)} s, ` +
        `writing checkpoints ${r.checkpointSeconds.toFixed(3)} s = ${(100 * r.share).toFixed(2)}% of step time (goal < 5%); ` +
        `storing one checkpoint (in the background) ${r.uploadSeconds.toFixed(3)} s`,
    );
  }
  return Math.max(sft.share, ppo.share);
}

async function recovery(python: string): Promise<{ warm: number; cold: number; goal: number }> {
  const warm = await recoveryOnce(python, true);
  const cold = await recoveryOnce(python, false);
  return { warm: warm.seconds, cold: cold.seconds, goal: warm.goal };
}

async function recoveryOnce(python: string, prewarm: boolean): Promise<{ seconds: number; goal: number }> {
  const rec = await measureRecovery(python, HEARTBEAT_S, prewarm);
  const goal = rec.heartbeatTimeoutSeconds + 10;
  console.log(
    `recovery (standby worker ${rec.prewarm ? 'with a pre-warmed trainer' : 'cold'}): worker SIGKILLed; retry dispatched after ${rec.retryStartedSeconds.toFixed(1)} s; training ran again from the step-${rec.resumedFromStep} checkpoint ` +
      `${rec.recoverySeconds.toFixed(1)} s after the kill (standby worker start-up, not counted: ${rec.workerStartSeconds.toFixed(1)} s; heartbeat timeout ${rec.heartbeatTimeoutSeconds} s; goal < ${goal} s: ${rec.recoverySeconds < goal ? 'met' : 'missed'})`,
  );
  return { seconds: rec.recoverySeconds, goal };
}

await main();
