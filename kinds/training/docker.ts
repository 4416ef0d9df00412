/**
 * Runs the trainer in a Docker container with GPU device requests (the NVIDIA container toolkit
 * must be installed on the GPU host). The attempt's work folder is bind-mounted at the same path,
 * so every path in the trainer configuration stays valid. The image must contain Python with the
 * packages of trainer/requirements.txt and the `trainer/` package under `trainerRoot`.
 *
 * Not exercised by the test suite (no GPU or such image on the test machines); see docs/training.md.
 */
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { torchrunArgs } from './group.js';
import type { TrainerLauncher } from './process.js';

export interface DockerLauncherOptions {
  docker: Docker;
  image: string;
  /** GPUs to request: "all" (default) or a count. */
  gpus?: 'all' | number;
  /** Where the image keeps the repository (the folder with `trainer/`). Default /opt/repairity. */
  trainerRoot?: string;
  python?: string;
  /** Shared memory for NCCL / DataLoader workers. Default 16 GiB. */
  shmBytes?: number;
}

export function dockerLauncher(opts: DockerLauncherOptions): TrainerLauncher {
  const root = opts.trainerRoot ?? '/opt/repairity';
  return async (cmd) => {
    // A worker that died left its container running: stop it before a second trainer starts.
    const label = `repairity.step=${cmd.key}`;
    for (const old of await opts.docker.listContainers({ all: true, filters: { label: [label] } })) {
      await opts.docker.getContainer(old.Id).remove({ force: true }).catch(() => undefined);
    }
    const container = await opts.docker.createContainer({
      Labels: { 'repairity.step': cmd.key },
      Image: opts.image,
      // A group is one container: removing it stops every rank.
      Cmd: [opts.python ?? 'python', '-m', ...(cmd.group ? ['torch.distributed.run', ...torchrunArgs(cmd.group, cmd.key), '-m'] : []), 'trainer', ...cmd.args],
      WorkingDir: cmd.workDir,
      Env: Object.entries({ ...cmd.env, PYTHONPATH: root, PYTHONUNBUFFERED: '1' }).map(([k, v]) => `${k}=${v}`),
      HostConfig: {
        Binds: [`${cmd.workDir}:${cmd.workDir}`],
        AutoRemove: true,
        ShmSize: opts.shmBytes ?? 16 * 1024 ** 3,
        DeviceRequests: [{ Driver: 'nvidia', Count: opts.gpus === undefined || opts.gpus === 'all' ? -1 : opts.gpus, Capabilities: [['gpu']] }],
      },
      StopSignal: 'SIGTERM',
    });
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    opts.docker.modem.demuxStream(stream, stdout, stderr);
    stream.on('end', () => {
      stdout.end();
      stderr.end();
    });
    await container.start();
    const exited = container.wait().then((r: { StatusCode: number }) => ({ code: r.StatusCode, signal: null }));
    return {
      stdout,
      stderr,
      terminate: () => void container.kill({ signal: 'SIGTERM' }).catch(() => undefined),
      kill: () => void container.kill({ signal: 'SIGKILL' }).catch(() => undefined),
      exited,
    };
  };
}
