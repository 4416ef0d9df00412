import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashPool } from '../../store/hash-pool.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-hash-pool-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('HashPool', () => {
  it('hashes many files at once on fewer threads, each file with its own read buffer', async () => {
    const files: { file: string; sha256: string }[] = [];
    for (let i = 0; i < 12; i++) {
      // Sizes around the 1 MiB read buffer, different bytes in each file.
      const bytes = Buffer.alloc((1 << 20) * (i % 3) + 4099 * i, i + 1);
      for (let j = 0; j < bytes.length; j += 997) bytes[j] = (i * 31 + j) & 0xff;
      const file = path.join(dir, `f${i}`);
      await fs.writeFile(file, bytes);
      files.push({ file, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    const pool = new HashPool(2);
    try {
      const hashes = await Promise.all(files.map((f) => pool.hashFile(f.file)));
      expect(hashes).toEqual(files.map((f) => f.sha256));
      await expect(pool.hashFile(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await pool.close();
    }
  });
});
