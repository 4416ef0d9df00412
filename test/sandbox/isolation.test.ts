/**
 * Isolation settings of the containers, removal in every case (cancel included), the reaper,
 * the no-engine error, and the explicit unsandboxed backend.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { SandboxCancelledError, SandboxUnavailableError } from '../../sandbox/errors.js';
import { createDockerClient } from '../../sandbox/docker/client.js';
import { LABEL_CREATED, LABEL_OWNER, LABEL_SANDBOX } from '../../sandbox/docker/labels.js';
import { listSandboxContainers, reapSandboxLeftovers } from '../../sandbox/docker/reaper.js';
import { defaultImageTags } from '../../sandbox/images/recipe.js';
import { createSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import type { PythonAssertsTask } from '../../sandbox/types.js';
import { ensureImages, ourContainers, repoRoot, testDocker, testSandbox } from './helpers.js';

const probe = (code: string, tests: string[]): PythonAssertsTask => ({ format: 'python-asserts', code, tests });

describe('sandbox isolation', () => {
  let docker: Docker;
  let sandbox: Sandbox;

  beforeAll(async () => {
    docker = testDocker();
    await ensureImages(docker);
    sandbox = await testSandbox(docker, { poolSize: 1 });
    await sandbox.warm();
  });

  afterAll(async () => {
    await sandbox?.close();
    expect(await ourContainers(docker)).toEqual([]);
  });

  it('creates containers with no network, a read-only root, limits, no capabilities, a non-root user and labels', async () => {
    const [id] = await ourContainers(docker);
    const info = await docker.getContainer(id!).inspect();
    expect(info.Config.User).toBe('10001:10001');
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(info.HostConfig.Memory).toBe(1024 * 1024 * 1024);
    expect(info.HostConfig.MemorySwap).toBe(1024 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(1e9);
    expect(info.HostConfig.PidsLimit).toBe(256);
    expect(Object.keys(info.HostConfig.Tmpfs ?? {}).sort()).toEqual(['/tmp', '/work']);
    expect(info.HostConfig.Tmpfs?.['/work']).toMatch(/size=256m/);
    expect(info.Config.Labels[LABEL_SANDBOX]).toBe('1');
    expect(info.Config.Labels[LABEL_OWNER]).toMatch(new RegExp(`:${process.pid}$`));
  });

  it('the code sees it from the inside: uid, capabilities, no_new_privs, read-only root, loopback only', async () => {
    const verdict = await sandbox.run(
      probe(
        `import os, socket
def status(key):
    for line in open('/proc/self/status'):
        if line.startswith(key + ':'):
            return line.split()[1]
def writable(path):
    try:
        open(path, 'w').close()
        return True
    except OSError:
        return False
def interfaces():
    return sorted(name for _, name in socket.if_nameindex())`,
        [
          'assert os.getuid() == 10001 and os.getgid() == 10001',
          "assert status('CapEff') == '0000000000000000' and status('CapBnd') == '0000000000000000'",
          "assert status('NoNewPrivs') == '1'",
          "assert not writable('/etc/x') and not writable('/x') and writable('/tmp/x') and writable('/work/x')",
          "assert interfaces() == ['lo']",
        ],
      ),
    );
    expect(verdict.tests.filter((t) => t.outcome !== 'passed')).toEqual([]);
    expect(verdict.status).toBe('passed');
  });

  it('cancelling a running task removes its container at once', async () => {
    const controller = new AbortController();
    const running = sandbox.run(probe('import time\ndef f():\n    time.sleep(60)\n', ['assert f()']), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 500));
    const [busy] = await ourContainers(docker);
    controller.abort(new Error('activity cancelled'));
    await expect(running).rejects.toBeInstanceOf(SandboxCancelledError);
    await expect(docker.getContainer(busy!).inspect()).rejects.toMatchObject({ statusCode: 404 });
    // The pool starts a new container for the next task.
    expect((await sandbox.run(probe('def f():\n    return 1', ['assert f() == 1']))).status).toBe('passed');
  });

  it('removes fresh containers after every task, whatever the verdict', async () => {
    const fresh = await testSandbox(docker, { backend: 'docker-fresh', concurrency: 2, timeoutMs: 1000 });
    try {
      const verdicts = await Promise.all([
        fresh.run(probe('def f():\n    return 1', ['assert f() == 1'])),
        fresh.run(probe('def f():\n    return 2', ['assert f() == 1'])),
        fresh.run(probe('def f(:', ['assert f() == 1'])),
        fresh.run(probe('def f():\n    while True: pass', ['assert f() == 1'])),
      ]);
      expect(verdicts.map((v) => v.status)).toEqual(['passed', 'failed', 'error', 'timeout']);
      expect(verdicts.every((v) => v.backend === 'docker-fresh')).toBe(true);
      expect((await ourContainers(docker)).length).toBe(1); // only the warm pool's container
    } finally {
      await fresh.close();
    }
  });

  it('the reaper removes containers of dead owners and keeps live ones', async () => {
    const make = (owner: string, created = new Date().toISOString()) =>
      docker.createContainer({ Image: defaultImageTags().python, Cmd: ['true'], Labels: { [LABEL_SANDBOX]: '1', [LABEL_OWNER]: owner, [LABEL_CREATED]: created } });
    const dead = await make(`${(await import('node:os')).hostname()}:999999`);
    const old = await make('another-host:1', new Date(Date.now() - 24 * 3600_000).toISOString());
    const live = await make('another-host:2');
    try {
      const result = await reapSandboxLeftovers({ docker });
      expect(result.removed).toEqual(expect.arrayContaining([dead.id, old.id]));
      expect(result.removed).not.toContain(live.id);
      const [own] = await ourContainers(docker);
      expect(result.removed).not.toContain(own);
    } finally {
      await live.remove({ force: true });
      await dead.remove({ force: true }).catch(() => undefined);
      await old.remove({ force: true }).catch(() => undefined);
    }
  });

  it('containers go away by themselves when their owner process dies', async () => {
    const child = spawn('npx', ['tsx', 'test/sandbox/fixtures/orphan-owner.ts'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    const ids = await new Promise<string[]>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as string[]);
      });
      child.on('exit', (code) => reject(new Error(`orphan owner exited early (${code})`)));
    });
    expect(ids).toHaveLength(2);
    process.kill(-child.pid!, 'SIGKILL'); // the owner crashes: no close(), no reaper
    const deadline = Date.now() + 20_000;
    let left = ids;
    while (left.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      const now = await listSandboxContainers(docker);
      left = ids.filter((id) => now.includes(id));
    }
    expect(left).toEqual([]);
  }, 60_000);

  it('says how to start Docker when no engine answers', async () => {
    const nowhere = createDockerClient({ host: 'unix:///nonexistent/docker.sock' });
    const attempt = createSandbox({ docker: nowhere });
    await expect(attempt).rejects.toBeInstanceOf(SandboxUnavailableError);
    await expect(attempt).rejects.toThrow(/make sandbox-docker.*DOCKER_HOST/s);
  });

  it('runs unsandboxed only when asked by name, and says so loudly', async () => {
    const warnings: string[] = [];
    const byDefault = await testSandbox(docker);
    expect(byDefault.options.backend).toBe('docker-pool');
    await byDefault.close();
    const host = await createSandbox({ backend: 'UNSANDBOXED-host', concurrency: 1, warn: (m) => warnings.push(m) });
    try {
      expect(warnings.join('\n')).toMatch(/WARNING.*NO isolation/);
      const verdict = await host.run(probe('def f():\n    return 1', ['assert f() == 1']));
      expect(verdict).toMatchObject({ status: 'passed', backend: 'UNSANDBOXED-host' });
    } finally {
      await host.close();
    }
  });
});
