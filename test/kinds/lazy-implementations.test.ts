/**
 * The compiler reads specs only: bundled as the CLI bundles it (esbuild, code split), `validate`
 * statically reaches no step implementation and none of their heavy dependencies; each family's
 * implementations sit behind the dynamic import in its kinds.ts.
 */
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const heavy = ['@anthropic-ai/sdk', 'dockerode', '@temporalio/worker', '@temporalio/activity'];

/** Inputs and external packages the entry loads before anything is imported dynamically. */
function staticClosure(meta: Metafile, entry: string): { inputs: Set<string>; externals: Set<string> } {
  const inputs = new Set<string>();
  const externals = new Set<string>();
  const seen = new Set<string>();
  const visit = (out: string) => {
    if (seen.has(out)) return;
    seen.add(out);
    const o = meta.outputs[out]!;
    for (const i of Object.keys(o.inputs)) inputs.add(i);
    for (const imp of o.imports) {
      if (imp.kind !== 'import-statement') continue;
      if (imp.external) externals.add(imp.path);
      else visit(imp.path);
    }
  };
  visit(entry);
  return { inputs, externals };
}

describe('repairity validate', () => {
  it('loads specs, not implementations', async () => {
    const result = await build({
      entryPoints: ['cli/commands/validate.ts'],
      absWorkingDir: path.resolve('.'),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      packages: 'external',
      outdir: 'out',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const entry = Object.keys(result.metafile.outputs).find((o) => result.metafile.outputs[o]!.entryPoint === 'cli/commands/validate.ts')!;
    const { inputs, externals } = staticClosure(result.metafile, entry);
    expect([...inputs].filter((i) => i.startsWith('kinds/') && /\/kinds\.ts$/.test(i)).length, 'the kind definitions are loaded').toBeGreaterThan(0);
    expect([...inputs].filter((i) => /^kinds\/[^/]+\/index\.ts$/.test(i))).toEqual([]);
    expect([...inputs].filter((i) => /run-trainer|sandbox\/run\.ts|claude\/call\.ts/.test(i))).toEqual([]);
    expect([...externals].filter((e) => heavy.some((h) => e === h || e.startsWith(`${h}/`)))).toEqual([]);
  });
});
