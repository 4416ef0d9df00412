/**
 * The statistics of the evaluation steps, as pure functions (no I/O), each checked against
 * known values in test/pipeline/eval-estimators.test.ts.
 */
import { seededRandom } from '../../core/seeded-random.js';

/**
 * Unbiased pass@k (Chen et al. 2021, "Evaluating Large Language Models Trained on Code", eq. 1):
 * 1 - C(n-c, k) / C(n, k) for a task with n samples of which c are correct, computed as the
 * numerically stable product 1 - prod_{i=n-c+1..n} (1 - k / i).
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 1 || k < 1 || c < 0 || c > n) {
    throw new RangeError(`pass@k needs integers n >= 1, 0 <= c <= n, k >= 1 (got n=${n}, c=${c}, k=${k})`);
  }
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} samples per task, got ${n}`);
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/** Mean pass@k over tasks, each given as [n, c]. */
export function meanPassAtK(tasks: ReadonlyArray<readonly [number, number]>, k: number): number {
  if (tasks.length === 0) return 0;
  return tasks.reduce((sum, [n, c]) => sum + passAtK(n, c, k), 0) / tasks.length;
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * Exact McNemar test (two-sided binomial test on the discordant pairs): b tasks only model A
 * solves, c tasks only model B solves; p = min(1, 2 * P[X <= min(b, c)]), X ~ Binomial(b + c, 1/2).
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const m = Math.min(b, c);
  let tail = 0;
  for (let i = 0; i <= m; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

export interface BootstrapResult {
  /** mean(b) - mean(a) on the real tasks. */
  delta: number;
  /** Two-sided p-value of "no difference": share of resamples whose centred delta is at least as extreme. */
  pValue: number;
  /** 95% percentile interval of the delta. */
  ci95: [number, number];
  resamples: number;
}

/**
 * Paired bootstrap over tasks (Koehn 2004 style; tasks resampled with replacement, both models
 * keep their per-task scores together).
 */
export function pairedBootstrap(a: readonly number[], b: readonly number[], opts: { resamples?: number; seed?: number } = {}): BootstrapResult {
  if (a.length !== b.length) throw new RangeError(`paired bootstrap needs the same tasks for both models (${a.length} vs ${b.length} scores)`);
  const n = a.length;
  const resamples = opts.resamples ?? 2000;
  if (n === 0) return { delta: 0, pValue: 1, ci95: [0, 0], resamples: 0 };
  const diffs = a.map((x, i) => b[i]! - x);
  const delta = diffs.reduce((s, d) => s + d, 0) / n;
  const random = seededRandom(opts.seed ?? 0);
  const deltas: number[] = [];
  let extreme = 0;
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += diffs[Math.floor(random() * n)]!;
    const d = s / n;
    deltas.push(d);
    if (Math.abs(d - delta) >= Math.abs(delta) - 1e-12) extreme++;
  }
  deltas.sort((x, y) => x - y);
  const at = (q: number) => deltas[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))]!;
  return { delta, pValue: Math.min(1, (extreme + 1) / (resamples + 1)), ci95: [at(0.025), at(0.975)], resamples };
}
