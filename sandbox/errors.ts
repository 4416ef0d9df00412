import { PermanentError, TransientError } from '../core/errors.js';

/** No Docker engine answers. Transient: the engine may come back; the message says how to start one. */
export class SandboxUnavailableError extends TransientError {}

/** The sandbox image is missing and cannot be built here, or a task row is malformed. */
export class SandboxConfigError extends PermanentError {}

/** A task was cancelled (activity cancelled, CLI interrupted); its container has been removed. */
export class SandboxCancelledError extends PermanentError {}

export function howToStartDocker(detail: string): string {
  return (
    `no Docker engine is reachable (${detail}). The sandbox runs candidate code in Docker containers. ` +
    'Start an engine: `make sandbox-docker` (runs scripts/sandbox-dockerd.sh, which starts dockerd in the ' +
    'background), or `sudo systemctl start docker`, or point DOCKER_HOST at a running engine. ' +
    'For development only, `--backend UNSANDBOXED-host` runs code directly on this machine, without any isolation.'
  );
}
