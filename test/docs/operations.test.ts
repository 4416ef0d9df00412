import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../core/env.js';

describe('docs/operations.md', () => {
  it('documents every environment variable in core/env.ts', async () => {
    const doc = await fs.readFile(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const missing = Object.values(ENV).filter((name) => !doc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
