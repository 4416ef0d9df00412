/** Step kinds the engine tests run: small, observable, with controllable failures. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { PermanentError, TransientError } from '../../core/errors.js';
import { defineTestKind } from '../helpers/engine.js';

const anyObject = { type: 'object' } as const;

export const echo = defineTestKind<{ value: unknown }, { value: unknown }>(
  { name: 'test.echo', input: { type: 'object', properties: { value: {} }, required: ['value'] }, output: { type: 'object', properties: { value: {} }, required: ['value'] } },
  async (input) => ({ value: input.value }),
);

export function tracker() {
  const state = { inFlight: 0, maxInFlight: 0, calls: 0, order: [] as string[] };
  const kind = defineTestKind<{ label?: string; sleepMs?: number }, { label: string }>(
    { name: 'test.track', input: { type: 'object', properties: { label: { type: 'string' }, sleepMs: { type: 'integer' } } }, output: { type: 'object', properties: { label: { type: 'string' } } } },
    async (input, ctx) => {
      state.inFlight++;
      state.calls++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      const label = input.label ?? `${ctx.stepId}${ctx.itemIndex !== undefined ? `#${ctx.itemIndex}` : ''}`;
      state.order.push(`start:${label}`);
      await new Promise((r) => setTimeout(r, input.sleepMs ?? 0));
      state.order.push(`end:${label}`);
      state.inFlight--;
      return { label };
    },
  );
  return { kind, state };
}

export function flaky() {
  const attempts = new Map<string, number>();
  const kind = defineTestKind<{ failures: number; permanent?: boolean }, { attempts: number }>(
    {
      name: 'test.flaky',
      input: { type: 'object', properties: { failures: { type: 'integer' }, permanent: { type: 'boolean' } }, required: ['failures'] },
      output: { type: 'object', properties: { attempts: { type: 'integer' } } },
    },
    async (input, ctx) => {
      const n = (attempts.get(ctx.idempotencyKey) ?? 0) + 1;
      attempts.set(ctx.idempotencyKey, n);
      if (input.permanent) throw new PermanentError('the input is wrong: fix "failures" in the pipeline');
      if (n <= input.failures) throw new TransientError(`simulated outage ${n}`);
      return { attempts: n };
    },
  );
  return { kind, attempts };
}

export function sleeper() {
  const state = { started: 0, aborted: 0 };
  const kind = defineTestKind<{ ms: number }, object>(
    { name: 'test.sleep', input: { type: 'object', properties: { ms: { type: 'integer' } }, required: ['ms'] }, output: anyObject, heartbeatTimeout: '2s' },
    async (input, ctx) => {
      state.started++;
      const deadline = Date.now() + input.ms;
      while (Date.now() < deadline) {
        if (ctx.signal.aborted) {
          state.aborted++;
          throw new Error('cancelled');
        }
        ctx.heartbeat({ at: Date.now() });
        await new Promise((r) => setTimeout(r, 100));
      }
      return {};
    },
  );
  return { kind, state };
}

/**
 * A side effect made idempotent by the engine's idempotency key: the effect is the exclusive
 * creation of one file per key; every execution is counted separately.
 */
export function sideEffect(dir: string) {
  return defineTestKind<{ sleepMs: number }, { effect: string }>(
    { name: 'test.side_effect', input: { type: 'object', properties: { sleepMs: { type: 'integer' } }, required: ['sleepMs'] }, output: { type: 'object', properties: { effect: { type: 'string' } } } },
    async (input, ctx) => {
      const safe = ctx.idempotencyKey.replace(/[^A-Za-z0-9]/g, '_');
      await fs.appendFile(path.join(dir, 'executions.log'), `${ctx.itemIndex}\n`);
      await new Promise((r) => setTimeout(r, input.sleepMs));
      const file = path.join(dir, 'effects', safe);
      await fs.mkdir(path.dirname(file), { recursive: true });
      // Written aside, then linked into place: a worker killed mid-write leaves no empty effect
      // behind (which the item's next run would take for done), and the link fails if one exists.
      const aside = path.join(dir, `${safe}.${process.pid}.${Math.random().toString(36).slice(2)}`);
      await fs.writeFile(aside, `${ctx.itemIndex}\n`);
      try {
        await fs.link(aside, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        await fs.rm(aside, { force: true });
      }
      return { effect: safe };
    },
  );
}

/** A paying kind (`spends`): reports `costUsd` as spent and returns the budget it was given. */
export const payer = defineTestKind<{ costUsd: number }, { budget: number | null }>(
  {
    name: 'test.pay',
    spends: true,
    input: { type: 'object', properties: { costUsd: { type: 'number' } }, required: ['costUsd'] },
    output: { type: 'object', properties: { budget: { type: ['number', 'null'] } } },
  },
  async (input, ctx) => {
    ctx.reportUsage({ requests: 1, inputTokens: 0, outputTokens: 0, costUsd: input.costUsd });
    return { budget: ctx.budgetRemainingUsd ?? null };
  },
);
