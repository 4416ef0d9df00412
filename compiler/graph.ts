/** The step graph: cycles (each reported once, with its path) and a stable topological order. */
import type { CompileContext, StepInfo } from './context.js';

export function checkCycles(ctx: CompileContext): void {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();

  const visit = (id: string): void => {
    state.set(id, 'open');
    stack.push(id);
    const step = ctx.steps.get(id)!;
    for (const dep of step.deps.keys()) {
      const s = state.get(dep);
      if (s === 'open') {
        const cycle = stack.slice(stack.indexOf(dep));
        const key = [...cycle].sort().join('\0');
        if (!reported.has(key)) {
          reported.add(key);
          report(ctx, cycle);
        }
      } else if (s === undefined) {
        visit(dep);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of ctx.steps.keys()) if (!state.has(id)) visit(id);
}

/** `cycle` lists steps each depending on the next, the last depending on the first. */
function report(ctx: CompileContext, cycle: string[]): void {
  // Start the printed cycle at the step written first in the file.
  const steps = cycle.map((id) => ctx.steps.get(id)!);
  const first = steps.reduce((a, b) => (b.order < a.order ? b : a));
  const start = cycle.indexOf(first.id);
  const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
  const next = rotated[1 % rotated.length]!;
  const where = first.deps.get(next) ?? ctx.at(['steps', first.id], 'key');
  ctx.error(
    'cycle',
    where,
    `dependency cycle: ${[...rotated, rotated[0]].join(' -> ')} (each step waits for the next, through needs or expression references); remove one of these dependencies`,
  );
}

/** Steps in an order where each comes after everything it needs; ties keep file order. */
export function topologicalOrder(steps: readonly StepInfo[]): StepInfo[] {
  const remaining = new Map(steps.map((s) => [s.id, new Set(s.deps.keys())]));
  const out: StepInfo[] = [];
  const byOrder = [...steps].sort((a, b) => a.order - b.order);
  while (out.length < steps.length) {
    const ready = byOrder.find((s) => remaining.get(s.id)?.size === 0);
    if (!ready) throw new Error('topologicalOrder: the graph has a cycle (checkCycles runs first)');
    out.push(ready);
    remaining.delete(ready.id);
    for (const deps of remaining.values()) deps.delete(ready.id);
  }
  return out;
}
