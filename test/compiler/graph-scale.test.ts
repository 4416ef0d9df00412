/**
 * The graph passes at a scale no file reaches (50,000 steps, past the step limit): linear and
 * without recursion, so a long chain or cycle neither overflows the stack nor takes quadratic time.
 */
import { describe, expect, it } from 'vitest';
import type { CompileContext, StepInfo } from '../../compiler/context.js';
import { checkCycles, topologicalOrder } from '../../compiler/graph.js';

const N = 50_000;

function steps(n: number, depOf: (i: number) => number | undefined): Map<string, StepInfo> {
  const map = new Map<string, StepInfo>();
  for (let i = 0; i < n; i++) {
    const dep = depOf(i);
    map.set(`s${i}`, { id: `s${i}`, raw: {}, order: i, kind: 'activity', isForEach: false, deps: new Map(dep === undefined ? [] : [[`s${dep}`, { line: i + 1, column: 1 }]]), withSites: [], forEachSites: [] });
  }
  return map;
}

function contextOf(map: Map<string, StepInfo>): { ctx: CompileContext; errors: string[] } {
  const errors: string[] = [];
  const ctx = { steps: map, error: (_code: string, _at: unknown, message: string) => errors.push(message), at: () => ({ line: 1, column: 1 }) } as unknown as CompileContext;
  return { ctx, errors };
}

describe('graph passes at scale', () => {
  it('orders a 50,000-step chain written backwards', () => {
    const map = steps(N, (i) => (i + 1 < N ? i + 1 : undefined));
    const order = topologicalOrder([...map.values()]);
    expect(order[0]!.id).toBe(`s${N - 1}`);
    expect(order[N - 1]!.id).toBe('s0');
  });

  it('reports a 50,000-step cycle once, its path cut short', () => {
    const { ctx, errors } = contextOf(steps(N, (i) => (i + 1) % N));
    checkCycles(ctx);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^dependency cycle: s0 -> s1 -> .* -> … \(49989 more steps\) -> s49999 -> s0 /);
  });

  it('finds no cycle in a 50,000-step chain', () => {
    const { ctx, errors } = contextOf(steps(N, (i) => (i > 0 ? i - 1 : undefined)));
    checkCycles(ctx);
    expect(errors).toEqual([]);
  });
});
