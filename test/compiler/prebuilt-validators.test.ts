/**
 * The validators generated ahead (scripts/validators.ts, bundled by the build) and the ones the
 * compiler compiles at run time give the same errors, field for field, on the compiler's fixtures,
 * the shipped pipelines and variants of them with wrong values; and the built CLI prints the same
 * diagnostics as the TypeScript sources for those files.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../kinds/catalog.js';
import { compileOrThrow } from '../../cli/compile-file.js';
import { PipelineCompileError } from '../../compiler/diagnostics.js';
import type { PrebuiltValidators } from '../../compiler/prebuilt-validators.js';
import { parseSource } from '../../compiler/source.js';
import { compileInputValidator, createPipelineAjv, languageSchema } from '../../compiler/validators.js';
import { validatorsBuild } from '../../scripts/validators.js';
import { builtMain, ensureBuilt, repoRoot } from '../helpers/built-cli.js';
import { testSpecs } from './catalog.js';

const catalog = buildCatalog(testSpecs);
const fixtures = ['bad', 'good'].flatMap((d) => {
  const dir = path.join(import.meta.dirname, 'fixtures', d);
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => path.join(dir, f));
});
const shipped = readdirSync(path.join(repoRoot, 'pipelines'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => path.join(repoRoot, 'pipelines', f));
const files = [...fixtures, ...shipped].sort();

const WRONG: unknown[] = [42, -1, 0.5, 'x', '', null, true, [], {}, ['x'], { x: 1 }];

let work: string;
let prebuilt: PrebuiltValidators;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-validators-'));
  // Bundled as the build bundles it (scripts/build.mjs), with the test kinds added.
  const file = path.join(work, 'prebuilt-validators.mjs');
  await build(validatorsBuild(file, catalog));
  ({ prebuilt } = (await import(file)) as { prebuilt: PrebuiltValidators });
});

afterAll(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parsed(file: string): unknown {
  const result = parseSource(readFileSync(file, 'utf8'), file);
  return result.ok ? result.value : undefined;
}

/** The value, and copies with one field of a mapping (at the top or one level down) replaced by each wrong value. */
function variants(value: unknown): unknown[] {
  const out: unknown[] = [value];
  if (!isRecord(value)) return out;
  for (const [key, field] of Object.entries(value)) {
    for (const wrong of WRONG) out.push({ ...value, [key]: wrong });
    if (!isRecord(field)) continue;
    for (const [inner, child] of Object.entries(field)) {
      const replaced = isRecord(child) ? Object.keys(child).slice(0, 4) : [];
      for (const wrong of WRONG.slice(0, 4)) out.push({ ...value, [key]: { ...field, [inner]: wrong } });
      for (const k of replaced) out.push({ ...value, [key]: { ...field, [inner]: { ...(child as object), [k]: 'x', zz: 1 } } });
    }
  }
  return out;
}

function errorsOf(validate: (v: unknown) => boolean, value: unknown): unknown {
  const valid = validate(value);
  return { valid, errors: (validate as unknown as { errors?: unknown }).errors ?? null };
}

describe('prebuilt validators', () => {
  it('are generated for the pipeline schema and every kind of the catalog', () => {
    expect([...prebuilt.inputs.keys()].sort()).toEqual([...catalog.keys()].sort());
    for (const spec of catalog.values()) expect(prebuilt.inputs.get(spec.name)!.schema).toBe(JSON.stringify(spec.input));
  });

  it('the pipeline schema: same errors as the run-time validator', () => {
    const runtime = createPipelineAjv().compile(languageSchema);
    const ahead = prebuilt.pipeline();
    let compared = 0;
    for (const file of files) {
      const value = parsed(file);
      if (value === undefined) continue;
      for (const variant of variants(value)) {
        expect(errorsOf(ahead, variant), file).toEqual(errorsOf(runtime, variant));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('each kind’s input schema: same errors as the run-time validator', () => {
    const given = new Map<string, unknown[]>([...catalog.keys()].map((k) => [k, [{}]]));
    for (const file of files) {
      const value = parsed(file);
      const steps = isRecord(value) && isRecord(value.steps) ? Object.values(value.steps) : [];
      for (const step of steps) if (isRecord(step) && typeof step.uses === 'string' && isRecord(step.with)) given.get(step.uses)?.push(step.with);
    }
    for (const spec of catalog.values()) {
      const runtime = compileInputValidator(spec.input as object);
      if (runtime instanceof Error) throw runtime;
      const ahead = prebuilt.inputs.get(spec.name)!.create();
      const props = Object.keys(((spec.input as { properties?: object }).properties ?? {}) as object);
      for (const base of given.get(spec.name)!) {
        const cases = [...variants(base), ...props.flatMap((p) => WRONG.map((w) => ({ ...(base as object), [p]: w })))];
        for (const value of cases) expect(errorsOf(ahead, value), spec.name).toEqual(errorsOf(runtime, value));
      }
    }
  });
});

describe('the built CLI', () => {
  it('prints the same diagnostics as the sources for the fixtures and the shipped pipelines', async () => {
    await ensureBuilt();
    const expected: string[] = [];
    for (const file of files) {
      const name = path.relative(repoRoot, file);
      try {
        const { plan, warnings } = await compileOrThrow(name);
        expected.push(...warnings.map((w) => `E ${w}`), `O ${name}: ok (${plan.steps.length} steps, plan ${plan.hash.slice(0, 12)})`);
      } catch (err) {
        if (!(err instanceof PipelineCompileError)) throw err;
        expected.push(...`repairity: ${err.message}`.split('\n').map((l) => `E ${l}`));
      }
    }
    const args = [builtMain, 'validate', ...files.map((f) => path.relative(repoRoot, f))];
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, args, { cwd: repoRoot, maxBuffer: 64 << 20 }, (_err, out, err) => resolve({ stdout: out, stderr: err })),
    );
    const lines = (s: string, tag: string): string[] => s.split('\n').filter((l) => l !== '').map((l) => `${tag} ${l}`);
    expect(lines(stdout, 'O')).toEqual(expected.filter((l) => l.startsWith('O ')));
    expect(lines(stderr, 'E')).toEqual(expected.filter((l) => l.startsWith('E ')));
  }, 120_000);
});
