import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { withBuildLock } from '../../sandbox/images/build-lock.js';

describe('image build lock', () => {
  it('runs two builds of one recipe one after the other, the second told whom it waits for', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'build-lock-'));
    const lock = path.join(dir, 'python.tar.lock');
    const events: string[] = [];
    const waited: number[] = [];
    const build = (name: string) =>
      withBuildLock(lock, (pid) => waited.push(pid), async () => {
        events.push(`${name} start`);
        await sleep(300);
        events.push(`${name} end`);
      });
    await Promise.all([build('a'), sleep(50).then(() => build('b'))]);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end']);
    expect(waited).toEqual([process.pid]);
    await expect(fs.access(lock)).rejects.toThrow();
  });

  it('takes over a lock whose owner process is gone', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'build-lock-'));
    const lock = path.join(dir, 'python.tar.lock');
    await fs.writeFile(lock, '2147483646');
    const waited: number[] = [];
    const result = await withBuildLock(lock, (pid) => waited.push(pid), async () => 'built');
    expect(result).toBe('built');
    expect(waited).toEqual([]);
  });
});
