import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../core/process-alive.js';

/**
 * Holds `<file>` exclusively across processes while `work` runs: two `images build` (or two test
 * runs) building the same recipe at once would share one debootstrap folder and wreck each other's
 * root file system. A lock whose owner process is gone is taken over.
 */
export async function withBuildLock<T>(file: string, onWait: (pid: number) => void, work: () => Promise<T>): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
      if (!Number.isInteger(owner) || owner <= 0 || !processAlive(owner)) {
        await fs.rm(file, { force: true });
        continue;
      }
      if (!announced) onWait(owner);
      announced = true;
      await sleep(1000);
    }
  }
  try {
    return await work();
  } finally {
    await fs.rm(file, { force: true });
  }
}
