/**
 * The training step kinds (queue `gpu`): train.sft, train.reward, train.ppo, model.generate.
 * Each launches the Python trainer (a local process, or a Docker container with GPUs when
 * REPAIRITY_TRAINER_IMAGE is set), follows its JSON-lines events, stores and heartbeats its
 * checkpoints, and resumes from the last one on a retry.
 */
import type { StepImpl } from '../../engine/kind.js';
import { trainerCodeHash } from './code-hash.js';
import { createGenerateStep } from './generate.js';
import { launcherPlanRunner, localPlanRunner } from './memory-plan.js';
import { localLauncher, trainerEnv, type TrainerLauncher } from './process.js';
import { createPpoStep } from './ppo.js';
import { createRewardStep } from './reward.js';
import type { TrainerRuntime } from './run-trainer.js';
import type { TrainingSettings } from './settings.js';
import { createSftStep } from './sft.js';
import type { TrackingSettings } from '../../activities/tracking/settings.js';
import { mlflowWatcher } from '../../activities/tracking/trainer-watch.js';

export interface TrainingDependencies {
  /** The loader's training settings (see settings.ts for the defaults). */
  training: TrainingSettings;
  /** MLflow, for a nested run per training step; none by default. */
  tracking?: TrackingSettings;
  /** A launcher to use instead of the local process / Docker one (tests). */
  launcher?: TrainerLauncher;
}

async function createDockerLauncher(settings: TrainingSettings): Promise<TrainerLauncher> {
  const [{ default: Docker }, { dockerLauncher }] = await Promise.all([import('dockerode'), import('./docker.js')]);
  return dockerLauncher({ docker: new Docker(), image: settings.dockerImage!, gpus: settings.dockerGpus });
}

/** The trainer a container runs is the image's: its id stands for the code. */
async function imageId(image: string): Promise<string> {
  const { default: Docker } = await import('dockerode');
  return `image:${(await new Docker().getImage(image).inspect()).Id}`;
}

export function createTrainingRuntime(deps: TrainingDependencies): TrainerRuntime {
  const settings = deps.training;
  let launch: TrainerLauncher;
  if (deps.launcher) launch = deps.launcher;
  else if (settings.dockerImage) {
    let docker: Promise<TrainerLauncher> | undefined;
    launch = async (cmd) => (await (docker ??= createDockerLauncher(settings)))(cmd);
  } else {
    launch = localLauncher({ python: settings.python, trainerRoot: settings.trainerRoot, baseEnv: settings.env, keepWarm: settings.keepWarm, prewarm: settings.prewarm });
  }
  const image = settings.dockerImage && !deps.launcher ? settings.dockerImage : undefined;
  const codeHash = () => (image ? imageId(image) : trainerCodeHash(settings.trainerRoot));
  const plan = image ? launcherPlanRunner(launch) : localPlanRunner(settings.python, trainerEnv(settings.env, settings.trainerRoot));
  const { tracking } = deps;
  return {
    launch,
    plan,
    workRoot: settings.workRoot,
    stopGraceMs: settings.stopGraceMs,
    hangTimeoutMs: settings.hangTimeoutMs,
    keepWorkDir: settings.keepWorkDir,
    codeHash,
    ...(tracking ? { watch: [mlflowWatcher(tracking)] } : {}),
  };
}

export function createTrainingSteps(deps: TrainingDependencies) {
  const rt = createTrainingRuntime(deps);
  // The step cache keys each step by the trainer's code too: new code never gets an old model.
  const keyed = <T extends StepImpl>(impl: T): T => Object.assign(impl, { codeHash: rt.codeHash });
  return {
    'train.sft': keyed(createSftStep(rt)),
    'train.reward': keyed(createRewardStep(rt)),
    'train.ppo': keyed(createPpoStep(rt)),
    'model.generate': keyed(createGenerateStep(rt)),
  };
}

export { trainingSpecs } from './specs.js';
export type { TrainingHeartbeat } from './run-trainer.js';
