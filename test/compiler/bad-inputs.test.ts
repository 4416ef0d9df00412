/**
 * Every file under fixtures/bad/ must fail to compile with the diagnostics its `# expect:` lines
 * name: `# expect: <line>:<column> <code>: <message fragment>`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePipelineFile, formatDiagnostics } from '../../compiler/index.js';
import { testCatalog } from './catalog.js';

const dir = fileURLToPath(new URL('./fixtures/bad/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('bad pipeline files', () => {
  it('there are at least 25 of them', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  it.each(files)('%s', (name) => {
    const file = path.join(dir, name);
    const expectations = [...readFileSync(file, 'utf8').matchAll(/^# expect: (\d+):(\d+) ([a-z-]+): (.+)$/gm)].map((m) => ({
      line: Number(m[1]),
      column: Number(m[2]),
      code: m[3]!,
      fragment: m[4]!,
    }));
    expect(expectations.length, `${name} has no "# expect:" line`).toBeGreaterThan(0);

    const result = compilePipelineFile(file, { catalog: testCatalog, root: path.join(dir, '..') });
    expect(result.ok, `${name} compiled`).toBe(false);
    if (result.ok) return;
    const listing = formatDiagnostics(result.diagnostics);
    expect(result.diagnostics.filter((d) => d.code === 'internal'), listing).toEqual([]);
    for (const e of expectations) {
      const found = result.diagnostics.find(
        (d) => d.file === file && d.line === e.line && d.column === e.column && d.code === e.code && d.message.includes(e.fragment),
      );
      expect(found, `expected ${e.line}:${e.column} ${e.code}: ${e.fragment}\ngot:\n${listing}`).toBeDefined();
    }
  });
});
