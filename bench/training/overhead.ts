/**
 * Checkpoint overhead: runs the trainer (tiny model, CPU) with the default checkpoint interval and
 * reads the `seconds` of each checkpoint event against the training time between `start` and
 * `done`. Also times storing one checkpoint folder in the artifact store (the activity does this in
 * the background while training goes on).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { repositoryRoot } from '../../kinds/training/settings.js';
import { putDirectory } from '../../store/directory.js';
import { LocalStore } from '../../store/local.js';

export interface OverheadResult {
  stage: string;
  steps: number;
  checkpoints: number;
  trainSeconds: number;
  checkpointSeconds: number;
  share: number;
  uploadSeconds: number;
}

function runTrainer(python: string, stage: string, configFile: string, cwd: string): Promise<TimedEvent[]> {
  const child = spawn(python, ['-m', 'trainer', stage, '--config', configFile], {
    cwd,
    env: { ...process.env, PYTHONPATH: repositoryRoot },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const events: TimedEvent[] = [];
  const lines = readline.createInterface({ input: child.stdout });
  lines.on('line', (l) => events.push({ ...(JSON.parse(l) as Record<string, unknown>), t: performance.now() / 1000 }));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(events) : reject(new Error(`trainer ${stage} exited ${code}`)))),
  );
}

export type TimedEvent = Record<string, unknown> & { t: number };

/** Seconds spent writing checkpoints, training seconds (start to done), and their ratio to step time. */
export function checkpointShare(events: TimedEvent[]): { trainSeconds: number; checkpointSeconds: number; share: number; checkpoints: number } {
  const start = events.find((e) => e.event === 'start')!;
  const done = events.find((e) => e.event === 'done')!;
  const ckpts = events.filter((e) => e.event === 'checkpoint');
  const checkpointSeconds = ckpts.reduce((s, e) => s + Number(e.seconds), 0);
  const trainSeconds = done.t - start.t;
  return { trainSeconds, checkpointSeconds, share: checkpointSeconds / Math.max(1e-9, trainSeconds - checkpointSeconds), checkpoints: ckpts.length };
}

export async function measureOverhead(python: string, stage: 'sft' | 'ppo', data: string, extra: Record<string, unknown>): Promise<OverheadResult> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `bench-training-${stage}-`));
  try {
    const configFile = path.join(dir, 'config.json');
    await fs.writeFile(configFile, JSON.stringify({ data, output_dir: path.join(dir, 'out'), threads: 1, ...extra }));
    const events = await runTrainer(python, stage, configFile, dir);
    const ckpts = events.filter((e) => e.event === 'checkpoint');
    const { trainSeconds, checkpointSeconds, share } = checkpointShare(events);
    const store = new LocalStore(path.join(dir, 'store'));
    let uploadSeconds = 0;
    const last = ckpts[ckpts.length - 1];
    if (last) {
      const t0 = performance.now();
      await putDirectory(store, String(last.path));
      uploadSeconds = (performance.now() - t0) / 1000;
    }
    return {
      stage,
      steps: Number(events.filter((e) => e.event === 'progress').length),
      checkpoints: ckpts.length,
      trainSeconds,
      checkpointSeconds,
      share,
      uploadSeconds,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
