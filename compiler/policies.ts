/**
 * Per-step execution policy with every default applied. Precedence, field by field:
 * the step's own value, then the pipeline's `defaults:`, then the step kind's spec, then the
 * built-in default (retry: 3 attempts, 1s initial interval, backoff 2, at most 60s; timeout 10m;
 * forEach concurrency 8; cache true; continueOnError false).
 */
import type { CompileContext, Raw, StepInfo } from './context.js';
import { isRecord } from './context.js';
import { parseDuration } from './duration.js';
import type { RetryPlan } from '../engine/plan.js';
import type { Path } from './source.js';

export const BUILTIN_DEFAULTS = {
  retry: { maximumAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 60_000, nonRetryableErrorTypes: [] as string[] },
  timeoutMs: 10 * 60_000,
  concurrency: 8,
  parallelism: 8,
  cache: true,
  continueOnError: false,
} as const;

export interface StepPolicy {
  retry: RetryPlan;
  timeoutMs: number;
  heartbeatTimeoutMs?: number;
  queue: string;
  cache: boolean;
  continueOnError: boolean;
  concurrency: number;
  budgetUsd?: number;
}

/** The first of `candidates` (value, path) whose value is set. */
function pick(candidates: [unknown, Path | undefined][]): [unknown, Path | undefined] {
  return candidates.find(([v]) => v !== undefined && v !== null) ?? [undefined, undefined];
}

export function resolvePolicy(ctx: CompileContext, step: StepInfo): StepPolicy {
  const defaults: Raw = isRecord(ctx.doc.defaults) ? ctx.doc.defaults : {};
  const raw = step.raw;
  const spec = step.spec;
  const base: Path = ['steps', step.id];

  const duration = (name: 'timeout' | 'heartbeatTimeout', fallback: number | undefined): number | undefined => {
    const [value, path] = pick([
      [raw[name], [...base, name]],
      [defaults[name], ['defaults', name]],
      [spec?.[name], undefined],
    ]);
    if (value === undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === undefined) return fallback; // reported by the schema check, or a bad default in the kind's spec
    if (ms <= 0 && path) ctx.error('bad-duration', ctx.at(path), `${name} of step "${step.id}" must be longer than 0`);
    return ms;
  };

  const stepRetry: Raw = isRecord(raw.retry) ? raw.retry : {};
  const defaultRetry: Raw = isRecord(defaults.retry) ? defaults.retry : {};
  const r = (key: string): [unknown, Path | undefined] =>
    pick([
      [stepRetry[key], [...base, 'retry', key]],
      [defaultRetry[key], ['defaults', 'retry', key]],
    ]);
  const b = BUILTIN_DEFAULTS.retry;
  const [attempts] = r('attempts');
  const [initial, initialPath] = r('initialInterval');
  const [backoff] = r('backoff');
  const [max, maxPath] = r('maxInterval');
  const [nonRetryable] = r('nonRetryable');
  const retry: RetryPlan = {
    maximumAttempts: typeof attempts === 'number' ? attempts : b.maximumAttempts,
    initialIntervalMs: parseDuration(initial) ?? b.initialIntervalMs,
    backoffCoefficient: typeof backoff === 'number' ? backoff : b.backoffCoefficient,
    maximumIntervalMs: parseDuration(max) ?? Math.max(b.maximumIntervalMs, parseDuration(initial) ?? 0),
    nonRetryableErrorTypes: Array.isArray(nonRetryable) ? nonRetryable.filter((x): x is string => typeof x === 'string') : [...b.nonRetryableErrorTypes],
  };
  if (initialPath && retry.initialIntervalMs <= 0) ctx.error('bad-duration', ctx.at(initialPath), `retry.initialInterval of step "${step.id}" must be longer than 0`);
  if (retry.maximumIntervalMs < retry.initialIntervalMs) {
    ctx.error('bad-duration', ctx.at(maxPath ?? initialPath ?? base), `retry.maxInterval (${retry.maximumIntervalMs}ms) of step "${step.id}" is shorter than retry.initialInterval (${retry.initialIntervalMs}ms); raise maxInterval or lower initialInterval`);
  }

  const [queue] = pick([
    [raw.queue, undefined],
    [defaults.queue, undefined],
    [spec?.queue, undefined],
  ]);
  const [concurrency] = pick([
    [raw.concurrency, undefined],
    [defaults.concurrency, undefined],
  ]);
  if (raw.concurrency !== undefined && !step.isForEach) {
    ctx.warn('schema', ctx.at([...base, 'concurrency'], 'key'), `concurrency of step "${step.id}" has no effect: the step has no forEach`);
  }

  const policy: StepPolicy = {
    retry,
    timeoutMs: duration('timeout', BUILTIN_DEFAULTS.timeoutMs) ?? BUILTIN_DEFAULTS.timeoutMs,
    queue: typeof queue === 'string' ? queue : 'cpu',
    cache: typeof raw.cache === 'boolean' ? raw.cache : typeof defaults.cache === 'boolean' ? defaults.cache : BUILTIN_DEFAULTS.cache,
    continueOnError:
      typeof raw.continueOnError === 'boolean' ? raw.continueOnError : typeof defaults.continueOnError === 'boolean' ? defaults.continueOnError : BUILTIN_DEFAULTS.continueOnError,
    concurrency: typeof concurrency === 'number' ? concurrency : BUILTIN_DEFAULTS.concurrency,
  };
  const heartbeat = duration('heartbeatTimeout', undefined);
  if (heartbeat !== undefined) policy.heartbeatTimeoutMs = heartbeat;
  if (typeof raw.budget === 'number') {
    policy.budgetUsd = raw.budget;
    if (spec && !spec.spends) ctx.warn('schema', ctx.at([...base, 'budget'], 'key'), `budget of step "${step.id}" has no effect: ${spec.name} does not pay for its work (only paying kinds, such as claude.*, spend budgets)`);
  }
  return policy;
}
