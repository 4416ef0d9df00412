/**
 * One sandbox per worker process, created on first use and closed at shutdown (its warm
 * containers are then removed). Built from the worker's environment unless injected.
 */
import { cacheDirOf, readSandboxSettings } from '../../core/env.js';
import { readSweBenchSettings } from '../../sandbox/swebench/settings.js';
import { createDockerClient } from '../../sandbox/docker/client.js';
import type { BackendName } from '../../sandbox/options.js';
import { createSandbox, type CreateSandboxOptions, type Sandbox } from '../../sandbox/sandbox.js';

export interface SandboxProvider {
  get(): Promise<Sandbox>;
  close(): Promise<void>;
}

/** Options from REPAIRITY_SANDBOX_* and DOCKER_HOST (see core/env.ts). */
export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv): CreateSandboxOptions {
  const s = readSandboxSettings(env);
  const backend = (s.backend ?? 'docker-pool') as BackendName;
  return {
    backend,
    ...(backend === 'UNSANDBOXED-host' ? {} : { docker: createDockerClient(s.dockerHost ? { host: s.dockerHost } : {}) }),
    ...(s.poolSize ? { poolSize: s.poolSize, concurrency: s.poolSize } : {}),
    images: { ...(s.pythonImage ? { python: s.pythonImage } : {}), ...(s.javaImage ? { java: s.javaImage } : {}) },
    swebench: readSweBenchSettings(cacheDirOf(env), env),
  };
}

export function createSandboxProvider(options: CreateSandboxOptions): SandboxProvider {
  let sandbox: Promise<Sandbox> | undefined;
  return {
    get() {
      sandbox ??= createSandbox(options);
      sandbox.catch(() => (sandbox = undefined));
      return sandbox;
    },
    async close() {
      const current = sandbox;
      sandbox = undefined;
      if (current) await (await current.catch(() => undefined))?.close();
    },
  };
}
