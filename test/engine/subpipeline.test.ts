/** Sub-pipeline steps: a child run, and a fan-out of child runs (one per variant). */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../kinds/catalog.js';
import { compilePipelineFile, formatDiagnostics } from '../../compiler/index.js';
import { createTestEngine, type TestEngine } from '../helpers/engine.js';
import { echo } from './kinds.js';

let engine: TestEngine;
let dir: string;

beforeAll(async () => {
  engine = await createTestEngine({ kinds: [echo] });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-sub-'));
  await fs.writeFile(
    path.join(dir, 'child.yaml'),
    `name: child
params:
  variant: { type: string }
steps:
  say: { uses: test.echo, with: { value: "variant \${{ params.variant }}" } }
outputs:
  said: "\${{ steps.say.outputs.value }}"
`,
  );
  await fs.writeFile(
    path.join(dir, 'parent.yaml'),
    `name: parent
steps:
  one: { pipeline: child.yaml, with: { variant: solo } }
  each:
    pipeline: child.yaml
    forEach: [a, b, c]
    concurrency: 2
    with: { variant: "\${{ item }}-\${{ index }}" }
outputs:
  one: "\${{ steps.one.outputs.said }}"
  results: "\${{ steps.each.outputs.results }}"
  count: "\${{ steps.each.outputs.succeeded }}"
`,
  );
});
afterAll(async () => engine?.close());

describe('sub-pipelines', () => {
  it('runs a child pipeline, and one child run per item of a forEach', async () => {
    const compiled = compilePipelineFile(path.join(dir, 'parent.yaml'), { catalog: buildCatalog(engine.extraSpecs) });
    if (!compiled.ok) throw new Error(formatDiagnostics(compiled.diagnostics));
    const result = await (await engine.start(compiled.plan, {})).result();
    expect(result.outputs.one).toBe('variant solo');
    expect(result.outputs.count).toBe(3);
    const records = (await engine.store.read(result.outputs.results as string)).toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r: { outputs: { said: string } }) => r.outputs.said)).toEqual(['variant a-0', 'variant b-1', 'variant c-2']);
  });
});
