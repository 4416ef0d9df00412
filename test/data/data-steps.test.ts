/** The built-in data steps, called directly over a local store. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDataSteps } from '../../kinds/data/index.js';
import { PermanentError } from '../../core/errors.js';
import { getRows, putRows, stepContext, tempStore } from '../pipeline/context.js';

const steps = createDataSteps({ dataRoot: process.cwd() });
const rows = Array.from({ length: 100 }, (_, i) => ({ id: i, group: i % 4 === 0 ? 'rare' : 'common', passed: i % 3 === 0 }));

describe('data steps', () => {
  it('load_jsonl copies a file into the store, with a limit, and names the line of bad JSON', async () => {
    const { store } = await tempStore();
    const ctx = stepContext(store);
    const out = await steps['data.load_jsonl']!({ path: 'data/mbpp/mbpp.jsonl', limit: 10 }, ctx);
    expect(out.count).toBe(10);
    expect((await getRows(store, out.dataset))[9]).toMatchObject({ task_id: 10 });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bad-jsonl-'));
    await fs.writeFile(path.join(dir, 'bad.jsonl'), '{"a":1}\n{oops\n');
    const err = await createDataSteps({ dataRoot: dir })['data.load_jsonl']!({ path: 'bad.jsonl' }, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toContain('bad.jsonl:2: not valid JSON');
    const missing = await steps['data.load_jsonl']!({ path: 'nope.jsonl' }, ctx).catch((e: unknown) => e);
    expect((missing as Error).message).toContain('REPAIRITY_DATA_ROOT');
  });

  it('filter keeps records where the expression is truthy', async () => {
    const { store } = await tempStore();
    const ctx = stepContext(store);
    const out = await steps['data.filter']!({ dataset: await putRows(store, rows), where: "item.passed && item.group == 'common'" }, ctx);
    const kept = await getRows<{ id: number }>(store, out.dataset);
    expect(kept.map((r) => r.id)).toEqual(rows.filter((r) => r.passed && r.group === 'common').map((r) => r.id));
    const bad = await steps['data.filter']!({ dataset: await putRows(store, rows), where: 'item.passed ==' }, ctx).catch((e: unknown) => e);
    expect((bad as Error).message).toContain('"where" of step "step"');
  });

  it('sample is seeded, order-independent, and balances groups', async () => {
    const { store } = await tempStore();
    const ctx = stepContext(store);
    const a = await steps['data.sample']!({ dataset: await putRows(store, rows), fraction: 0.2, seed: 1 }, ctx);
    const b = await steps['data.sample']!({ dataset: await putRows(store, [...rows].reverse()), fraction: 0.2, seed: 1 }, ctx);
    const c = await steps['data.sample']!({ dataset: await putRows(store, rows), fraction: 0.2, seed: 2 }, ctx);
    const ids = async (uri: string) => (await getRows<{ id: number }>(store, uri)).map((r) => r.id).sort((x, y) => x - y);
    expect(a.count).toBe(20);
    expect(await ids(a.dataset)).toEqual(await ids(b.dataset));
    expect(await ids(a.dataset)).not.toEqual(await ids(c.dataset));
    const balanced = await steps['data.sample']!({ dataset: await putRows(store, rows), count: 20, seed: 1, balanceBy: 'item.group' }, ctx);
    const groups = (await getRows<{ group: string }>(store, balanced.dataset)).map((r) => r.group);
    expect(groups.filter((g) => g === 'rare')).toHaveLength(10);
    expect(groups.filter((g) => g === 'common')).toHaveLength(10);
  });

  it('split assigns every record to exactly one part by the fractions, reproducibly', async () => {
    const { store } = await tempStore();
    const ctx = stepContext(store);
    const dataset = await putRows(store, rows);
    const out = await steps['data.split']!({ dataset, fractions: { train: 0.7, val: 0.15, test: 0.15 }, seed: 3 }, ctx);
    expect(out.counts).toEqual({ train: 70, val: 15, test: 15 });
    const all = (await Promise.all(['train', 'val', 'test'].map((p) => getRows<{ id: number }>(store, out.splits[p]!)))).flat().map((r) => r.id);
    expect(new Set(all).size).toBe(100);
    const again = await steps['data.split']!({ dataset, fractions: { train: 0.7, val: 0.15, test: 0.15 }, seed: 3 }, ctx);
    expect(again.splits).toEqual(out.splits);
    const over = await steps['data.split']!({ dataset, fractions: { a: 0.8, b: 0.3 } }, ctx).catch((e: unknown) => e);
    expect((over as Error).message).toContain('more than 1');
  });

  it('map builds records from expressions, and zip joins datasets by position', async () => {
    const { store } = await tempStore();
    const ctx = stepContext(store);
    const dataset = await putRows(store, rows.slice(0, 3));
    const mapped = await steps['data.map']!({ dataset, fields: { key: "format('task-{0}', item.id)", position: 'index' }, merge: true }, ctx);
    expect(await getRows(store, mapped.dataset)).toEqual([
      { ...rows[0], key: 'task-0', position: 0 },
      { ...rows[1], key: 'task-1', position: 1 },
      { ...rows[2], key: 'task-2', position: 2 },
    ]);
    const zipped = await steps['data.zip']!({ datasets: { task: dataset, extra: mapped.dataset } }, ctx);
    expect((await getRows(store, zipped.dataset))[2]).toEqual({ task: rows[2], extra: { ...rows[2], key: 'task-2', position: 2 } });
    const short = await steps['data.zip']!({ datasets: { a: dataset, b: await putRows(store, rows.slice(0, 2)) } }, ctx).catch((e: unknown) => e);
    expect((short as Error).message).toContain('equal length');
  });
});
