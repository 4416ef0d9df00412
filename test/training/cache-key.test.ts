/**
 * The step cache keys a training step by the trainer's own code: with a copy of trainer/, a
 * cached result is served while the code is unchanged, and not once a trainer source file changes
 * (the step then launches the trainer again). Tests of the trainer and bytecode do not count.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../kinds/catalog.js';
import { assembleKinds } from '../../kinds/assemble.js';
import { cacheKeyOf, runKind } from '../../activities/runtime/kind-call.js';
import type { StepRuntime } from '../../engine/invocation.js';
import { stepCacheKey } from '../../activities/runtime/keys.js';
import { trainerCodeHash } from '../../kinds/training/code-hash.js';
import { createTrainingSteps } from '../../kinds/training/index.js';
import { readTrainingSettings, repositoryRoot } from '../../kinds/training/settings.js';
import { writeJson } from '../../store/json.js';
import { LocalStore } from '../../store/local.js';
import { recordingContext } from '../helpers/step-context.js';

let root: string;
let trainerRoot: string;
let store: LocalStore;

class Launched extends Error {}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-cache-key-'));
  trainerRoot = path.join(root, 'repo');
  await fs.cp(path.join(repositoryRoot, 'trainer'), path.join(trainerRoot, 'trainer'), { recursive: true });
  store = new LocalStore(path.join(root, 'store'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const append = (rel: string, text: string) => fs.appendFile(path.join(trainerRoot, 'trainer', rel), text);

describe('training cache key', () => {
  it('changes with a trainer source file or the pinned requirements, not with a test or bytecode', async () => {
    const before = await trainerCodeHash(trainerRoot);
    await append('tests/test_sft.py', '\n# a comment in a test\n');
    await fs.mkdir(path.join(trainerRoot, 'trainer', '__pycache__'), { recursive: true });
    await fs.writeFile(path.join(trainerRoot, 'trainer', '__pycache__', 'ppo.cpython-311.pyc'), 'bytes');
    expect(await trainerCodeHash(trainerRoot)).toBe(before);

    await append('ppo.py', '\n# a new PPO loss\n');
    const afterSource = await trainerCodeHash(trainerRoot);
    expect(afterSource).not.toBe(before);
    await append('requirements.txt', '\n# pin moved\n');
    expect(await trainerCodeHash(trainerRoot)).not.toBe(afterSource);
  });

  it('a cached train.sft result is served until a trainer source changes, then the trainer runs again', async () => {
    let launches = 0;
    const impls = createTrainingSteps({
      training: { ...readTrainingSettings({}), trainerRoot, workRoot: path.join(root, 'work') },
      launcher: async () => {
        launches++;
        throw new Launched('trainer launched');
      },
    });
    const kind = assembleKinds(defaultCatalog, impls).get('train.sft')!;
    const dataset = (await store.putContent('{"prompt":"p","trace":"t","fix":"f"}\n')).uri;
    const input = { model: 'tiny', dataset, target: 'trace_fix', seed: 0 }; // defaults filled in, as validation does
    const step: StepRuntime = { stepId: 'sft', uses: 'train.sft', kindVersion: kind.spec.version, with: {}, cache: true, maximumAttempts: 1 };
    const keyNow = async () => stepCacheKey(cacheKeyOf(step, input, await kind.run.codeHash!()));
    const call = () => runKind(kind, step, input, { store, runId: 'run', makeContext: () => ({ ctx: recordingContext(store), usage: { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 } }) });

    const outputs = { model: 'file:///m', sha256: 'abc', steps: 1, resumedFrom: null, metrics: {}, history: 'file:///h' };
    const oldKey = await keyNow();
    await writeJson(store, oldKey, { outputs });
    expect(await call()).toMatchObject({ cached: true, outputs });
    expect(launches).toBe(0);

    await append('sft.py', '\n# changed training code\n');
    const newKey = await keyNow();
    expect(newKey).not.toBe(oldKey);
    await expect(call()).rejects.toThrow(Launched);
    expect(launches).toBe(1);
  });
});
