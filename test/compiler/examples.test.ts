/** Every example pipeline compiles against the built-in step kinds, without warnings. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipelineFile, formatDiagnostics } from '../../compiler/index.js';

const dir = path.join(process.cwd(), 'pipelines', 'examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('pipelines/examples', () => {
  it('has examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s compiles', (name) => {
    const result = compilePipelineFile(path.join(dir, name));
    expect(result.ok ? '' : formatDiagnostics(result.diagnostics)).toBe('');
    if (result.ok) expect(result.warnings).toEqual([]);
  });
});
