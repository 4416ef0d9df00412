/**
 * Removes sandbox containers a crashed predecessor left behind. A worker calls it when it starts.
 *
 * Several workers may share one Docker engine, so it removes only containers whose owner is gone:
 * owned by a process of this host that no longer runs (or this very process, when `includeOwn`),
 * or older than `maxAgeMs` whoever owns them (no task lives that long).
 */
import os from 'node:os';
import type Docker from 'dockerode';
import { LABEL_CREATED, LABEL_OWNER, LABEL_SANDBOX } from './labels.js';
import { processAlive } from '../../core/process-alive.js';

export interface ReapOptions {
  docker: Docker;
  /** Containers older than this are removed whatever their owner. Default 6 hours. */
  maxAgeMs?: number;
  /** Also remove this process's own containers (tests, shutdown). Default false. */
  includeOwn?: boolean;
}

export interface ReapResult {
  removed: string[];
  kept: number;
}

export async function reapSandboxLeftovers(options: ReapOptions): Promise<ReapResult> {
  const { docker } = options;
  const maxAgeMs = options.maxAgeMs ?? 6 * 3600_000;
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_SANDBOX}=1`] } });
  const host = os.hostname();
  const removed: string[] = [];
  let kept = 0;
  await Promise.all(
    containers.map(async (info) => {
      const owner = info.Labels[LABEL_OWNER] ?? '';
      const [ownerHost, ownerPid] = [owner.slice(0, owner.lastIndexOf(':')), Number(owner.slice(owner.lastIndexOf(':') + 1))];
      const created = Date.parse(info.Labels[LABEL_CREATED] ?? '') || info.Created * 1000;
      const own = ownerHost === host && ownerPid === process.pid;
      const orphan = ownerHost === host && !own && !processAlive(ownerPid);
      const old = Date.now() - created > maxAgeMs;
      if ((own && options.includeOwn) || orphan || old || !owner) {
        await docker
          .getContainer(info.Id)
          .remove({ force: true })
          .catch((err: { statusCode?: number }) => {
            if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
          });
        removed.push(info.Id);
      } else {
        kept += 1;
      }
    }),
  );
  return { removed, kept };
}

/** Ids of the sandbox containers that exist now (for tests: nothing may be left behind). */
export async function listSandboxContainers(docker: Docker): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_SANDBOX}=1`] } });
  return containers.map((c) => c.Id);
}
