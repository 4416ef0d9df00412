/**
 * The step graph: cycles (each strongly connected group of steps reported once, with one cycle
 * through it) and a stable topological order. Both linear in steps + dependencies, and iterative:
 * a 10,000-step chain or cycle must not overflow the stack.
 */
import type { CompileContext, StepInfo } from './context.js';
import { InternalError } from '../core/errors.js';

/** Steps shown in a cycle's message before the rest is summarised. */
const CYCLE_SHOWN = 12;

export function checkCycles(ctx: CompileContext): void {
  for (const group of stronglyConnected([...ctx.steps.values()], ctx)) {
    if (group.length > 1) report(ctx, cycleThrough(group, ctx));
  }
}

/** Tarjan's algorithm with an explicit stack; groups come out in no particular order. */
function stronglyConnected(steps: readonly StepInfo[], ctx: CompileContext): StepInfo[][] {
  const index = new Map<StepInfo, number>();
  const low = new Map<StepInfo, number>();
  const onStack = new Set<StepInfo>();
  const stack: StepInfo[] = [];
  const groups: StepInfo[][] = [];
  let next = 0;
  for (const root of steps) {
    if (index.has(root)) continue;
    const work: { step: StepInfo; deps: Iterator<string> }[] = [];
    const enter = (step: StepInfo): void => {
      index.set(step, next);
      low.set(step, next++);
      stack.push(step);
      onStack.add(step);
      work.push({ step, deps: step.deps.keys() });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const dep = frame.deps.next();
      if (!dep.done) {
        const target = ctx.steps.get(dep.value);
        if (!target) continue;
        if (!index.has(target)) enter(target);
        else if (onStack.has(target)) low.set(frame.step, Math.min(low.get(frame.step)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.step, Math.min(low.get(parent.step)!, low.get(frame.step)!));
      if (low.get(frame.step) === index.get(frame.step)) {
        const group: StepInfo[] = [];
        let member: StepInfo;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          group.push(member);
        } while (member !== frame.step);
        groups.push(group);
      }
    }
  }
  return groups;
}

/** A shortest cycle through the group's step written first, each step depending on the next. */
function cycleThrough(group: readonly StepInfo[], ctx: CompileContext): StepInfo[] {
  const members = new Set(group);
  const start = group.reduce((a, b) => (b.order < a.order ? b : a));
  const cameFrom = new Map<StepInfo, StepInfo>();
  const queue: StepInfo[] = [start];
  for (let head = 0; head < queue.length; head++) {
    const step = queue[head]!;
    for (const id of step.deps.keys()) {
      const dep = ctx.steps.get(id);
      if (!dep || !members.has(dep)) continue;
      if (dep === start) {
        const cycle = [step];
        for (let s = step; s !== start; ) cycle.push((s = cameFrom.get(s)!));
        return cycle.reverse();
      }
      if (!cameFrom.has(dep)) {
        cameFrom.set(dep, step);
        queue.push(dep);
      }
    }
  }
  return [start];
}

/** `cycle` lists steps each depending on the next, the last depending on the first. */
function report(ctx: CompileContext, cycle: StepInfo[]): void {
  const first = cycle[0]!;
  const next = cycle[1 % cycle.length]!;
  const where = first.deps.get(next.id) ?? ctx.at(['steps', first.id], 'key');
  const ids = [...cycle, first].map((s) => s.id);
  const shown = ids.length <= CYCLE_SHOWN ? ids : [...ids.slice(0, CYCLE_SHOWN - 2), `… (${ids.length - CYCLE_SHOWN} more steps)`, ...ids.slice(-2)];
  ctx.error(
    'cycle',
    where,
    `dependency cycle: ${shown.join(' -> ')} (each step waits for the next, through needs or expression references); remove one of these dependencies`,
  );
}

/** Steps in an order where each comes after everything it needs; ties keep file order (Kahn's algorithm). */
export function topologicalOrder(steps: readonly StepInfo[]): StepInfo[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const waiting = new Map<StepInfo, number>();
  const dependents = new Map<StepInfo, StepInfo[]>();
  const ready = new OrderHeap();
  for (const s of steps) {
    let count = 0;
    for (const id of s.deps.keys()) {
      const dep = byId.get(id);
      if (!dep) continue;
      count++;
      const list = dependents.get(dep);
      if (list) list.push(s);
      else dependents.set(dep, [s]);
    }
    waiting.set(s, count);
    if (count === 0) ready.push(s);
  }
  const out: StepInfo[] = [];
  for (let s = ready.pop(); s; s = ready.pop()) {
    out.push(s);
    for (const d of dependents.get(s) ?? []) {
      const left = waiting.get(d)! - 1;
      waiting.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (out.length < steps.length) throw new InternalError('topologicalOrder: the graph has a cycle (checkCycles runs first)');
  return out;
}

/** A binary min-heap of steps by their position in the file. */
class OrderHeap {
  private readonly items: StepInfo[] = [];

  push(step: StepInfo): void {
    const a = this.items;
    a.push(step);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.order <= a[i]!.order) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }

  pop(): StepInfo | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.order < a[m]!.order) m = l;
        if (r < a.length && a[r]!.order < a[m]!.order) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
