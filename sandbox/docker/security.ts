import type Docker from 'dockerode';
import type { IsolationLimits } from '../options.js';

export const WORK_DIR = '/work';

/**
 * Container settings that isolate the code: no network, read-only root file system, size-limited
 * tmpfs for /work and /tmp, memory (no swap), CPU and process limits, every capability dropped,
 * no-new-privileges, a non-root user, an init process that reaps zombies, no log driver (output
 * travels only over the attach stream, never to the engine's disk), and removal by the engine as
 * soon as the supervisor exits (which it does when the host that attached to it goes away).
 */
export function isolatedContainerOptions(
  image: string,
  cmd: string[],
  limits: Required<IsolationLimits>,
  labels: Record<string, string>,
): Docker.ContainerCreateOptions {
  const memory = limits.memoryMb * 1024 * 1024;
  return {
    Image: image,
    Cmd: cmd,
    User: limits.user,
    // No WorkingDir: the engine would create it root-owned (0755) inside the tmpfs.
    Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8'],
    Labels: labels,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    // Stdin closes when the host's attach connection does (the host process died): the supervisor
    // then exits and, with AutoRemove, the engine removes the container. No orphan outlives its owner.
    StdinOnce: true,
    Tty: false,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Tmpfs: {
        [WORK_DIR]: `rw,exec,nosuid,nodev,size=${limits.workTmpfsMb}m,mode=1777`,
        '/tmp': `rw,nosuid,nodev,size=${limits.tmpTmpfsMb}m,mode=1777`,
      },
      ShmSize: 16 * 1024 * 1024,
      Memory: memory,
      MemorySwap: memory,
      NanoCpus: Math.round(limits.cpus * 1e9),
      PidsLimit: limits.pidsLimit,
      Ulimits: [
        { Name: 'nofile', Soft: 1024, Hard: 1024 },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Init: true,
      IpcMode: 'private',
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: true,
    },
  };
}
