/**
 * Hostile programs are contained: the right verdict, the host unaffected, no container left, and
 * the warm container that ran them clean for the next task (or replaced, if it had to die).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import type { Sandbox } from '../../sandbox/sandbox.js';
import type { PythonAssertsTask } from '../../sandbox/types.js';
import { ensureImages, ourContainers, testDocker, testSandbox } from './helpers.js';

const task = (code: string, tests = ['assert f()'], extra: Partial<PythonAssertsTask> = {}): PythonAssertsTask => ({
  format: 'python-asserts',
  code,
  tests,
  ...extra,
});

/** A task that reports every process, file and SysV object it can see in the places tasks write. */
const PROBE = task(
  `import os, json
def f():
    # The sandbox's own processes: PID 1 (init), the supervisor, the zygote (this task's parent).
    ppid = os.getppid()
    grand = int(open('/proc/%d/stat' % ppid).read().rsplit(')', 1)[1].split()[1])
    procs = []
    for p in os.listdir('/proc'):
        if p.isdigit() and int(p) not in (1, os.getpid(), ppid, grand):
            try:
                procs.append(open('/proc/%s/cmdline' % p).read().replace('\\0', ' '))
            except OSError:
                pass
    files = {d: sorted(os.listdir(d)) for d in ('/tmp', '/dev/shm')}
    files['/work'] = sorted(n for n in os.listdir('/work') if n != os.path.basename(os.getcwd()))
    ipc = open('/proc/sysvipc/shm').read().splitlines()[1:]
    print(json.dumps({'procs': procs, 'files': files, 'ipc': ipc}))
    return not procs and not any(files.values()) and not ipc
`,
);

/**
 * The host's processes of the sandbox user, less those inside containers this test process does not
 * own (a demo or another test run may be using the sandbox on the same Docker engine meanwhile).
 */
async function hostProcessesOfUid(docker: Docker, uid: number): Promise<string> {
  let lines: string[];
  try {
    lines = execFileSync('ps', ['-u', String(uid), '-o', 'pid=,comm='], { encoding: 'utf8' }).trim().split('\n');
  } catch {
    return ''; // ps exits 1 when there is none
  }
  const ours = new Set(await ourContainers(docker));
  const others = (await docker.listContainers()).map((c) => c.Id).filter((id) => !ours.has(id));
  const cgroupOf = (pid: string) => {
    try {
      return readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    } catch {
      return '';
    }
  };
  return lines.filter((line) => !others.some((id) => cgroupOf(line.trim().split(/\s+/)[0]!).includes(id))).join('\n');
}

describe('hostile programs in the warm pool', () => {
  let docker: Docker;
  let sandbox: Sandbox;

  beforeAll(async () => {
    docker = testDocker();
    await ensureImages(docker);
    // One container, so each hostile task and the probe after it share it.
    sandbox = await testSandbox(docker, { poolSize: 1, timeoutMs: 4_000, limits: { memoryMb: 384, pidsLimit: 128 } });
    await sandbox.warm();
  });

  afterAll(async () => {
    await sandbox?.close();
    expect(await ourContainers(docker)).toEqual([]);
    expect(await hostProcessesOfUid(docker, 10001)).toBe('');
  });

  async function expectCleanAfter(): Promise<void> {
    const probe = await sandbox.run(PROBE);
    expect(probe.stdout.slice(0, 2000), probe.message).toContain('"procs": []');
    expect(probe.status).toBe('passed');
    expect(await ourContainers(docker)).toHaveLength(1);
  }

  it('fork bomb: timeout, pids limit holds, host unaffected', async () => {
    const verdict = await sandbox.run(
      task(`import os
def f():
    while True:
        try:
            os.fork()
        except OSError:
            pass
f()`),
    );
    expect(verdict.status).toBe('timeout');
    expect(execFileSync('true', { encoding: 'utf8' })).toBe(''); // the host can still start processes
    // The bomb's processes die with their task; give the kernel a moment to reap them all.
    await expect.poll(async () => (await hostProcessesOfUid(docker, 10001)).split('\n').length, { timeout: 10_000, interval: 250 }).toBeLessThanOrEqual(3);
    await expectCleanAfter();
  });

  it('infinite loop: timeout at the wall-clock limit', async () => {
    const verdict = await sandbox.run(task('def f():\n    while True:\n        pass', ['assert f()'], { timeoutMs: 1500 }));
    expect(verdict.status).toBe('timeout');
    expect(verdict.durationMs).toBeGreaterThanOrEqual(1500);
    expect(verdict.durationMs).toBeLessThan(4000);
    await expectCleanAfter();
  });

  it('memory hog: out_of_memory', async () => {
    const verdict = await sandbox.run(task('def f():\n    x = []\n    while True:\n        x.append(bytearray(10 * 1024 * 1024))\n', ['assert f()'], { timeoutMs: 20_000 }));
    expect(verdict.status).toBe('out_of_memory');
    await expectCleanAfter();
  });

  it('network connection: refused by the sandbox (no network)', async () => {
    const server = net.createServer((s) => s.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const targets = ['172.17.0.1', '1.1.1.1', 'deb.debian.org'];
      const verdict = await sandbox.run(
        task(
          `import socket
def f(host):
    socket.create_connection((host, ${port}), timeout=2).close()
    return True`,
          targets.map((h) => `assert f(${JSON.stringify(h)})`),
        ),
      );
      expect(verdict.status).toBe('failed');
      expect(verdict.failedTests).toHaveLength(3);
      for (const t of verdict.tests) expect(t.message).toMatch(/unreachable|Temporary failure|Name or service|Errno/);
    } finally {
      server.close();
    }
    await expectCleanAfter();
  });

  it('gigabytes to stdout: truncated output, killed at the limit, memory flat', async () => {
    const verdict = await sandbox.run(task("import sys\ndef f():\n    while True:\n        sys.stdout.write('x' * 65536)\n", ['assert f()'], { timeoutMs: 3000 }));
    expect(verdict.status).toBe('timeout');
    expect(verdict.stdoutTruncated).toBe(true);
    expect(verdict.stdout.length).toBeLessThan(70 * 1024);
    expect(verdict.stdout).toMatch(/bytes omitted/);
    const finite = await sandbox.run(task("import sys\ndef f():\n    for _ in range(4096):\n        sys.stdout.write('y' * 65536)\n    return True\n", ['assert f()'], { timeoutMs: 20_000 }));
    expect(finite.status).toBe('passed'); // 256 MiB written, drained, the test still judged
    expect(finite.stdoutTruncated).toBe(true);
    await expectCleanAfter();
  });

  it('gigabytes to disk: the size-limited tmpfs fills, the task fails, the next task sees none of it', async () => {
    const verdict = await sandbox.run(
      task(`def f():
    with open('big.bin', 'wb') as out:
        for _ in range(4096):
            out.write(b'z' * (1 << 20))
    return True`),
    );
    expect(verdict.status).toBe('failed');
    expect(verdict.tests[0]?.message).toMatch(/No space left on device/);
    const tmp = await sandbox.run(task("def f():\n    open('/tmp/big', 'wb').write(b'z' * (2 << 30))\n    return True"));
    expect(['failed', 'out_of_memory']).toContain(tmp.status);
    const root = await sandbox.run(task("def f():\n    open('/usr/evil', 'w').write('x')\n    return True"));
    expect(root.status).toBe('failed');
    expect(root.tests[0]?.message).toMatch(/Read-only file system|Permission denied/);
    await expectCleanAfter();
  });

  it('reading host files: the host file system is not there', async () => {
    const secret = randomBytes(16).toString('hex');
    const file = path.join(os.tmpdir(), `repairity-secret-${secret}`);
    writeFileSync(file, secret);
    try {
      const verdict = await sandbox.run(
        task(
          `import os
def f(path):
    return open(path).read()`,
          [`assert f(${JSON.stringify(file)}) == ${JSON.stringify(secret)}`, `assert f('/etc/hostname').strip() == ${JSON.stringify(os.hostname())}`, `assert 'work' not in os.listdir('/work') and not os.path.exists('/root/.cache')`],
        ),
      );
      expect(verdict.status).toBe('failed');
      expect(verdict.tests.map((t) => t.outcome)).toEqual(['error', 'failed', 'passed']);
      expect(verdict.tests[0]?.message).toMatch(/No such file/);
      expect(verdict.stdout + verdict.stderr).not.toContain(secret);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('background processes and leftovers do not outlive the task', async () => {
    const verdict = await sandbox.run(
      task(`import os, subprocess, time
def f():
    subprocess.Popen(['sleep', '300'], start_new_session=True)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                open('/tmp/daemon-was-here', 'a').write('x')
                time.sleep(0.05)
        os._exit(0)
    open('/work/left-behind', 'w').write('x')
    open('/dev/shm/left-behind', 'w').write('x')
    import ctypes
    libc = ctypes.CDLL(None)
    libc.shmget(0x1234, 4096, 0o1600)
    return True`),
    );
    expect(verdict.status).toBe('passed');
    await expectCleanAfter();
  });

  it('killing its own parent: crashed, the container is replaced', async () => {
    const before = await ourContainers(docker);
    const verdict = await sandbox.run(task('import os, time\ndef f():\n    os.kill(os.getppid(), 9)\n    time.sleep(5)\n    return True'));
    expect(verdict.status).toBe('crashed');
    await new Promise((r) => setTimeout(r, 200));
    const after = await ourContainers(docker);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    const next = await sandbox.run(task('def f():\n    return True'));
    expect(next.status).toBe('passed');
    // kill(-1): every process of the sandbox user, the supervisor included.
    const all = await sandbox.run(task('import os, signal\ndef f():\n    os.kill(-1, signal.SIGKILL)\n    return True'));
    expect(all.status).toBe('crashed');
    await expectCleanAfter();
  });
});

describe('hostile programs with a fresh container per task', () => {
  let docker: Docker;
  let sandbox: Sandbox;

  beforeAll(async () => {
    docker = testDocker();
    await ensureImages(docker);
    sandbox = await testSandbox(docker, { backend: 'docker-fresh', concurrency: 1, timeoutMs: 3_000, limits: { memoryMb: 256, pidsLimit: 64 } });
  });

  afterAll(async () => {
    await sandbox?.close();
    expect(await ourContainers(docker)).toEqual([]);
    expect(await hostProcessesOfUid(docker, 10001)).toBe('');
  });

  it.each([
    ['fork bomb', 'import os\ndef f():\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\nf()', 'timeout'],
    ['memory hog', 'def f():\n    x = []\n    while True:\n        x.append(bytearray(10 * 1024 * 1024))\nf()', 'out_of_memory'],
    ['daemon', "import subprocess\ndef f():\n    subprocess.Popen(['sleep', '300'], start_new_session=True)\n    return True", 'passed'],
    ['killing its parent', 'import os, time\ndef f():\n    os.kill(os.getppid(), 9)\n    time.sleep(5)\nf()', 'crashed'],
  ])('%s: the right verdict, and its container is gone', async (_name, code, status) => {
    const verdict = await sandbox.run(task(code));
    expect(verdict.status).toBe(status);
    expect(verdict.backend).toBe('docker-fresh');
    expect(await ourContainers(docker)).toEqual([]);
  });
});
