/**
 * Files that are not UTF-8 text are refused at the first offending byte; per-record expressions of
 * data steps are parsed at compile time; a whole outputs object does not pass for a string.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePipeline, compilePipelineFile, formatDiagnostics } from '../../compiler/index.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-encodings-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function compileBytes(bytes: Buffer): Promise<string> {
  const file = path.join(dir, 'p.yaml');
  await fs.writeFile(file, bytes);
  const result = compilePipelineFile(file);
  expect(result.ok).toBe(false);
  return result.ok ? '' : formatDiagnostics(result.diagnostics).replace(`${file}:`, '');
}

describe('encodings', () => {
  it('Latin-1 bytes, at their line and column', async () => {
    expect(await compileBytes(Buffer.from('name: caf\xe9\nsteps: {}\n', 'latin1'))).toBe('1:10: cannot read pipeline file: byte 0xE9 is not UTF-8 (the file looks like Latin-1 or another 8-bit encoding); save the file as UTF-8');
  });

  it('UTF-16 with and without a byte order mark', async () => {
    expect(await compileBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name: x\n', 'utf16le')]))).toContain('1:1: cannot read pipeline file: the file is UTF-16');
    expect(await compileBytes(Buffer.from('name: x\n', 'utf16le'))).toContain('1:2: cannot read pipeline file: a NUL byte');
  });
});

describe('compile-time checks of what runs later', () => {
  const compile = (steps: string): string => {
    const result = compilePipeline(`name: t\nsteps:\n  load: { uses: data.load_jsonl, with: { path: x.jsonl } }\n${steps}`, { file: 't.yaml' });
    return result.ok ? 'ok' : formatDiagnostics(result.diagnostics);
  };

  it('per-record expressions of data.filter and data.map', () => {
    expect(compile('  keep: { uses: data.filter, with: { dataset: "${{ steps.load.outputs.dataset }}", where: "item.score >" } }\n')).toMatch(/^t\.yaml:4:\d+: steps\.keep\.with\.where: invalid expression "item\.score >"/);
    expect(compile('  shape: { uses: data.map, with: { dataset: "${{ steps.load.outputs.dataset }}", fields: { a: "item.a", b: "params.x" } } }\n')).toContain('"params" is not defined in a per-record expression');
    expect(compile('  keep: { uses: data.filter, with: { dataset: "${{ steps.load.outputs.dataset }}", where: "item.score > 0.5" } }\n')).toBe('ok');
  });

  it('a whole outputs object into a string input', () => {
    expect(compile('  keep: { uses: data.filter, with: { dataset: "${{ steps.load.outputs }}", where: "true" } }\n')).toContain('expects string (input of data.filter), but ${{ steps.load.outputs }} is object');
  });
});
