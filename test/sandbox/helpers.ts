/** Shared set-up of the sandbox tests: the Docker client, the images, a sandbox factory. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { createDockerClient } from '../../sandbox/docker/client.js';
import { listSandboxContainers } from '../../sandbox/docker/reaper.js';
import { buildImage } from '../../sandbox/images/build.js';
import type { ImageFamily } from '../../sandbox/images/recipe.js';
import { createSandbox, type CreateSandboxOptions, type Sandbox } from '../../sandbox/sandbox.js';
import { loadSettings } from '../../worker/settings.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function testDocker(): Docker {
  return createDockerClient(process.env.DOCKER_HOST ? { host: process.env.DOCKER_HOST } : {});
}

/** Builds (or finds) the sandbox images; cached, so only the first run on a machine is slow. */
export async function ensureImages(docker: Docker, families: ImageFamily[] = ['python']): Promise<void> {
  for (const family of families) {
    await buildImage({ docker, family, cacheDir: loadSettings().defaults.cacheDir, log: (l) => console.log(`images: ${l}`) });
  }
}

export async function testSandbox(docker: Docker, options: CreateSandboxOptions = {}): Promise<Sandbox> {
  return createSandbox({ docker, poolSize: 2, concurrency: 2, warn: () => undefined, ...options });
}

/** Sandbox containers that exist now, owned by this test process. */
export async function ourContainers(docker: Docker): Promise<string[]> {
  const all = await listSandboxContainers(docker);
  const mine: string[] = [];
  for (const id of all) {
    const info = await docker.getContainer(id).inspect().catch(() => undefined);
    if (info?.Config.Labels['io.repairity.sandbox.owner']?.endsWith(`:${process.pid}`)) mine.push(id);
  }
  return mine;
}

export interface MbppRow {
  task_id: number;
  text: string;
  code: string;
  test_list: string[];
  test_setup_code: string;
}

export const MBPP_FILE = process.env.REPAIRITY_MBPP ?? path.join(repoRoot, 'data', 'mbpp', 'mbpp.jsonl');

export function readMbpp(): MbppRow[] {
  return readFileSync(MBPP_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as MbppRow);
}
