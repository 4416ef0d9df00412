/**
 * Makes sure a Docker engine answers for the sandbox tests: runs scripts/sandbox-dockerd.sh,
 * which starts dockerd in the background when no engine answers. The engine is left running
 * afterwards (it is machine infrastructure, like the daemon a developer runs).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { RunningService } from './types.js';

export async function startDocker(): Promise<RunningService> {
  const script = fileURLToPath(new URL('../../../scripts/sandbox-dockerd.sh', import.meta.url));
  const started = spawnSync('bash', [script], { encoding: 'utf8' });
  if (started.status !== 0) {
    throw new Error(`no Docker engine for the sandbox tests: ${started.stderr.trim() || started.stdout.trim()} (run \`make sandbox-docker\`)`);
  }
  await new Docker().ping();
  return { provide: { dockerHost: process.env.DOCKER_HOST ?? '' }, stop: async () => undefined };
}
