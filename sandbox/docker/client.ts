import Docker from 'dockerode';
import { SandboxUnavailableError, howToStartDocker } from '../errors.js';

export interface DockerClientOptions {
  /** `unix:///var/run/docker.sock`, `tcp://host:2375`; default: dockerode's (DOCKER_HOST or the local socket). */
  host?: string;
}

/** A dockerode client; the caller owns it and passes it down (no module-level singleton). */
export function createDockerClient(options: DockerClientOptions = {}): Docker {
  const host = options.host;
  if (!host) return new Docker();
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}

/** Throws `SandboxUnavailableError` (which says how to start an engine) unless Docker answers. */
export async function assertDockerReachable(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new SandboxUnavailableError(howToStartDocker(detail), {}, { cause: err });
  }
}
