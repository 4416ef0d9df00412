/**
 * One sandbox per worker process, created on first use and closed at shutdown (its warm
 * containers are then removed). Built from the worker's settings unless injected.
 */
import type { SandboxSettings } from '../../core/env.js';
import type { SweBenchSettings } from '../../sandbox/swebench/settings.js';
import { createDockerClient } from '../../sandbox/docker/client.js';
import type { BackendName } from '../../sandbox/options.js';
import { createSandbox, type CreateSandboxOptions, type Sandbox } from '../../sandbox/sandbox.js';

export interface SandboxProvider {
  get(): Promise<Sandbox>;
  close(): Promise<void>;
}

/** The loader's sandbox settings (REPAIRITY_SANDBOX_*, DOCKER_HOST) and SWE-bench's (REPAIRITY_SWEBENCH_*). */
export interface SandboxProviderSettings {
  sandbox: SandboxSettings;
  swebench: SweBenchSettings;
}

export function sandboxOptions(settings: SandboxProviderSettings): CreateSandboxOptions {
  const s = settings.sandbox;
  const backend = (s.backend ?? 'docker-pool') as BackendName;
  return {
    backend,
    ...(backend === 'UNSANDBOXED-host' ? {} : { docker: createDockerClient(s.dockerHost ? { host: s.dockerHost } : {}) }),
    ...(s.poolSize ? { poolSize: s.poolSize, concurrency: s.poolSize } : {}),
    images: { ...(s.pythonImage ? { python: s.pythonImage } : {}), ...(s.javaImage ? { java: s.javaImage } : {}) },
    swebench: settings.swebench,
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
