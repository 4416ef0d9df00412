/** The registry of patch ids (workflows/patches.ts) is the only way workflow code patches. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PATCHES } from '../../workflows/patches.js';

const WORKFLOWS = path.resolve(import.meta.dirname, '../../workflows');

describe('patch registry', () => {
  it('no workflow file but the registry calls Temporal patched or deprecatePatch', async () => {
    const offenders: string[] = [];
    for (const file of await fs.readdir(WORKFLOWS)) {
      if (!file.endsWith('.ts') || file === 'patches.ts') continue;
      const text = await fs.readFile(path.join(WORKFLOWS, file), 'utf8');
      if (/\bwf\.(patched|deprecatePatch)\(|import\s*\{[^}]*\b(patched|deprecatePatch)\b[^}]*\}\s*from\s*'@temporalio\/workflow'/.test(text)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });

  it('every entry says since when and why, and a removed one when and why it went', () => {
    for (const [id, entry] of Object.entries(PATCHES)) {
      expect(id).toMatch(/^[a-z][a-z0-9-]+$/);
      expect(entry.since, id).toMatch(/^\d{4}-\d{2}-\d{2}/);
      expect(entry.why.length, id).toBeGreaterThan(10);
      if (entry.state === 'removed') expect(entry.removed, id).toMatch(/^\d{4}-\d{2}-\d{2}: /);
    }
  });
});
