/**
 * bench/distributed: the trainer at world size 2 (two CPU processes, gloo, launched by torchrun
 * through the training activity's own launcher). For SFT and PPO on the tiny model: the share of
 * step time spent writing sharded checkpoints at the default interval (goal < 5%), and a run
 * stopped after a checkpoint then resumed, whose weights must equal the uninterrupted run's.
 * `make bench-distributed`.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { localLauncher } from '../../kinds/training/process.js';
import { repositoryRoot } from '../../kinds/training/settings.js';
import { trainerPython } from '../../core/env.js';
import { checkpointShare, type TimedEvent } from '../training/overhead.js';

const SFT_STEPS = Number(process.env.BENCH_STEPS ?? 100);
const PPO_ITERATIONS = Number(process.env.BENCH_PPO_ITERATIONS ?? 60);
/** Where the interrupted runs stop (a checkpoint is written there); default: the default interval. */
const STOP_AFTER = Number(process.env.BENCH_STOP_AFTER ?? 50);
const GROUP = { nprocPerNode: 2, nnodes: 1 };

const launch = localLauncher({ python: trainerPython(process.env), trainerRoot: repositoryRoot, keepWarm: false });

/** One world-size-2 run; its events with arrival times, and its exit code. */
async function runGroup(stage: string, config: Record<string, unknown>, dir: string, extra: string[] = []): Promise<{ events: TimedEvent[]; code: number | null }> {
  await fs.mkdir(dir, { recursive: true });
  const configFile = path.join(dir, `config-${extra.length ? 'resume' : 'run'}-${Date.now()}.json`);
  await fs.writeFile(configFile, JSON.stringify({ threads: 1, ...config, distributed: { nproc_per_node: GROUP.nprocPerNode } }));
  const proc = await launch({ args: [stage, '--config', configFile, ...extra], workDir: dir, env: {}, key: `bench-${stage}`, group: GROUP });
  const stderr: string[] = [];
  readline.createInterface({ input: proc.stderr }).on('line', (l) => {
    stderr.push(l);
    if (stderr.length > 40) stderr.shift();
  });
  const events: TimedEvent[] = [];
  for await (const line of readline.createInterface({ input: proc.stdout })) {
    if (line.startsWith('{')) events.push({ ...(JSON.parse(line) as Record<string, unknown>), t: performance.now() / 1000 });
  }
  const { code } = await proc.exited;
  // torchrun exits 1 when ranks stop on request (143 each): the last event says what happened.
  const last = events.at(-1)?.event;
  if (last !== 'done' && last !== 'stopped') throw new Error(`${stage} at world size 2 exited with ${code}:\n${stderr.join('\n')}`);
  return { events, code };
}

interface StageResult {
  stage: string;
  share: number;
  identical: boolean;
}

async function measure(stage: 'sft' | 'ppo', base: Record<string, unknown>, root: string): Promise<StageResult> {
  const dir = path.join(root, stage);
  const full = await runGroup(stage, { ...base, output_dir: path.join(dir, 'full'), checkpoint: { dir: path.join(dir, 'full-ckpt') } }, dir);
  const r = checkpointShare(full.events);
  const sha = full.events.find((e) => e.event === 'done')!.sha256;

  const split = { ...base, output_dir: path.join(dir, 'split'), checkpoint: { dir: path.join(dir, 'split-ckpt') } };
  const stopped = await runGroup(stage, split, dir, ['--stop-after', String(STOP_AFTER)]);
  const at = stopped.events.find((e) => e.event === 'stopped');
  if (!at?.checkpoint) throw new Error(`${stage}: the run stopped after step ${STOP_AFTER} reported no checkpoint`);
  const resumed = await runGroup(stage, split, dir, ['--resume', String(at.checkpoint)]);
  const resumedSha = resumed.events.find((e) => e.event === 'done')!.sha256;
  console.log(
    `${stage} at world size 2: ${r.checkpoints} checkpoints in ${r.trainSeconds.toFixed(1)} s of training, writing them ${r.checkpointSeconds.toFixed(3)} s = ` +
      `${(100 * r.share).toFixed(2)}% of step time (goal < 5%); stopped after step ${String(at.step)}, resumed: ${resumedSha === sha ? 'bit-identical' : `DIFFERENT (${String(resumedSha)} vs ${String(sha)})`}`,
  );
  return { stage, share: r.share, identical: resumedSha === sha };
}

async function main(): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-distributed-'));
  try {
    const sftData = path.join(root, 'sft.jsonl');
    await fs.writeFile(sftData, Array.from({ length: 64 }, (_, i) => JSON.stringify({ prompt: `reverse w${i}:`, trace: 'backwards', fix: `w${i}`.split('').reverse().join('') })).join('\n') + '\n');
    const prompts = path.join(root, 'prompts.jsonl');
    await fs.writeFile(prompts, Array.from({ length: 32 }, (_, i) => JSON.stringify({ prompt: `task ${i}:` })).join('\n') + '\n');
    // The default checkpoint interval (50, trainer/config.py): not set here on purpose.
    const results = [
      await measure('sft', { data: sftData, max_steps: SFT_STEPS, batch_size: 8 }, root),
      await measure('ppo', { data: prompts, iterations: PPO_ITERATIONS, batch_size: 8, minibatch_size: 4, ppo_epochs: 2, max_new_tokens: 16, reward: { type: 'toy', rule: 'char_fraction:a' } }, root),
    ];
    const identical = results.every((r) => r.identical);
    const worst = Math.max(...results.map((r) => r.share));
    console.log(`distributed: resume bit-identical at world size 2: ${identical ? 'yes' : 'no'}, checkpoint overhead ${(100 * worst).toFixed(2)}% (goal < 5%)`);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

await main();
