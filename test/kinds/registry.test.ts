/**
 * The kind registry pairs every spec with an implementation and every implementation with a spec:
 * the real registry loads whole, and a family that breaks the pairing either way is refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineSpec, type StepImpl, type StepSpec } from '../../engine/kind.js';
import { defaultCatalog } from '../../kinds/catalog.js';
import { defineKinds, KindRegistryError, type StepDependencies } from '../../kinds/define.js';
import { loadKinds } from '../../kinds/implementations.js';
import { kindDefinitions } from '../../kinds/registry.js';
import { LocalStore } from '../../store/local.js';
import { kindSettings, loadSettings } from '../../worker/settings.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'repairity-kinds-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const deps = (): StepDependencies => ({ store: new LocalStore(dir), settings: kindSettings(loadSettings({ env: {} })), dataRoot: dir });

const spec = (name: string): StepSpec =>
  defineSpec({ name, description: name, queue: 'cpu', version: '1', input: { type: 'object' }, output: { type: 'object', properties: {} } });
const impl: StepImpl = async () => ({});

describe('the kind registry', () => {
  it('loads an implementation for every spec the compiler knows, and no other', async () => {
    const kinds = await loadKinds(deps());
    expect([...kinds.keys()].sort()).toEqual([...defaultCatalog.keys()].sort());
    for (const [name, kind] of kinds) {
      expect(kind.spec).toBe(defaultCatalog.get(name));
      expect(typeof kind.run).toBe('function');
    }
  });

  it('registers every spec a family exports from its specs.ts', async () => {
    const registered = new Set(kindDefinitions.map((k) => k.spec));
    const folders = fs.readdirSync(path.resolve('kinds'), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(folders.length).toBeGreaterThan(0);
    for (const folder of folders) {
      const file = path.resolve('kinds', folder.name, 'specs.ts');
      expect(fs.existsSync(file), `kinds/${folder.name}/ has no specs.ts`).toBe(true);
      const exported = Object.values(await import(file)).flatMap((v) => (Array.isArray(v) ? v : [v]));
      const specs = exported.filter((v): v is StepSpec => typeof v === 'object' && v !== null && 'name' in v && 'input' in v && 'queue' in v);
      expect(specs.length, `kinds/${folder.name}/specs.ts exports no spec`).toBeGreaterThan(0);
      for (const s of specs) expect(registered.has(s), `${s.name} (kinds/${folder.name}/specs.ts) is not in kinds/registry.ts`).toBe(true);
    }
  });

  it('refuses a spec without an implementation', async () => {
    const family = defineKinds('kinds/x/kinds.ts', [spec('x.one'), spec('x.two')], async () => ({ 'x.one': impl }) as never);
    const err = await loadKinds(deps(), family).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KindRegistryError);
    expect((err as Error).message).toContain('step kind x.two has a spec but no implementation: the load function in kinds/x/kinds.ts returns none');
  });

  it('refuses an implementation without a spec', async () => {
    const family = defineKinds('kinds/x/kinds.ts', [spec('x.one')], async () => ({ 'x.one': impl, 'x.stray': impl }));
    const err = await loadKinds(deps(), family).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KindRegistryError);
    expect((err as Error).message).toContain('step implementation x.stray has no spec');
  });

  it('refuses a family whose implementations fail to load, naming its kinds', async () => {
    const family = defineKinds('kinds/x/kinds.ts', [spec('x.one')], () => Promise.reject(new Error('boom')));
    await expect(loadKinds(deps(), family)).rejects.toThrow(/x\.one \(kinds\/x\/kinds\.ts\) failed to load: boom/);
  });

  it('loads a family once per worker, however many kinds it has', async () => {
    let loads = 0;
    const family = defineKinds('kinds/x/kinds.ts', [spec('x.one'), spec('x.two')], async () => (loads++, { 'x.one': impl, 'x.two': impl }));
    const d = deps();
    await loadKinds(d, family);
    await Promise.all(family.map((k) => k.load(d)));
    expect(loads).toBe(1);
  });
});
