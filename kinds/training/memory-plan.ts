/**
 * The memory plan before a launch (`python -m trainer plan <stage> --config FILE`, see
 * trainer/memory.py): an estimate of each process's GPU memory from the model's shape, precision,
 * LoRA settings, world size and sequence length. The estimate goes to the step's log; a stage that
 * cannot fit is refused before anything starts, with the settings that would fit.
 *
 * The tiny model built in code (tests, the demo) is not planned: it fits anywhere, and the plan
 * costs a Python start with torch imported.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PermanentError, TransientError } from '../../core/errors.js';
import { missingModuleError } from './python-env.js';
import type { StepContext } from '../../engine/kind.js';
import type { TrainerLauncher } from './process.js';

/** A stage that cannot fit in the GPUs it would run on: change `config.distributed` (or batch sizes). */
export class MemoryPlanError extends PermanentError {}

export interface MemoryPlan {
  stage: string;
  model: string;
  world_size: number;
  precision: string;
  gpu_memory_gib: number;
  per_rank_gib: number;
  fits: boolean;
  components_gib: Record<string, number>;
  suggestions: Array<{ nproc_per_node: number; nnodes: number; per_rank_gib: number }>;
  message: string;
}

export interface PlanOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `python -m trainer <args>` to completion (args start with `plan`); `key`: the step invocation's. */
export type PlanRunner = (args: string[], workDir: string, key: string) => Promise<PlanOutput>;

/** A local Python process (`env` holds PYTHONPATH to the trainer). */
export function localPlanRunner(python: string, env: NodeJS.ProcessEnv): PlanRunner {
  return (args, workDir) =>
    new Promise((resolve, reject) => {
      const child = spawn(python, ['-m', 'trainer', ...args], { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
}

/** Through a trainer launcher (the Docker one: the plan sees the container's GPUs and code). */
export function launcherPlanRunner(launch: TrainerLauncher): PlanRunner {
  return async (args, workDir, key) => {
    const proc = await launch({ args, workDir, env: {}, key: `${key}/plan` });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    const { code } = await proc.exited;
    return { code, stdout, stderr };
  };
}

/** Whether the model spec is the tiny model, given as "tiny" or as a model folder built on it. */
async function isTiny(model: unknown): Promise<boolean> {
  if (model === 'tiny') return true;
  if (typeof model !== 'string') return false;
  const manifest = await fs.readFile(path.join(model, 'repairity_model.json'), 'utf8').catch(() => undefined);
  return manifest !== undefined && (JSON.parse(manifest) as { base?: { kind?: string } }).base?.kind === 'tiny';
}

async function onlyTiny(config: Record<string, unknown>): Promise<boolean> {
  const reward = config.reward as { type?: string; path?: string } | undefined;
  return (await isTiny(config.model ?? 'tiny')) && (reward?.type !== 'model' || reward.path === undefined || (await isTiny(reward.path)));
}

/**
 * Plans `stage` for the configuration in `configFile`; logs the per-process estimate, throws
 * MemoryPlanError when it cannot fit. Returns undefined when nothing was planned (tiny model).
 */
export async function checkMemoryPlan(run: PlanRunner, ctx: StepContext, stage: string, config: Record<string, unknown>, configFile: string, workDir: string): Promise<MemoryPlan | undefined> {
  if (await onlyTiny(config)) return undefined;
  const out = await run(['plan', stage, '--config', configFile], workDir, ctx.idempotencyKey);
  const line = out.stdout.split('\n').find((l) => l.trim().startsWith('{'));
  let result: (MemoryPlan & { error?: undefined }) | { error: string } | undefined;
  try {
    result = line ? (JSON.parse(line) as MemoryPlan | { error: string }) : undefined;
  } catch {
    result = undefined;
  }
  if (!result) {
    const missing = missingModuleError(ctx.stepId, out.stderr);
    if (missing) throw missing;
    throw new TransientError(`step "${ctx.stepId}": the memory plan of ${stage} failed (exit ${out.code}): ${out.stderr.split('\n').slice(-8).join('\n')}`, { step: ctx.stepId });
  }
  if (result.error !== undefined) throw new PermanentError(`step "${ctx.stepId}": ${result.error}`, { step: ctx.stepId });
  const plan = result as MemoryPlan;
  const fields = { perRankGib: plan.per_rank_gib, worldSize: plan.world_size, gpuMemoryGib: plan.gpu_memory_gib, precision: plan.precision, components: plan.components_gib };
  if (!plan.fits) {
    ctx.log.error(`${stage}: memory plan: ${plan.message}`, fields);
    throw new MemoryPlanError(`step "${ctx.stepId}": not launched: ${plan.message}`, { step: ctx.stepId });
  }
  ctx.log.info(`${stage}: memory plan: ${plan.message}`, fields);
  return plan;
}
