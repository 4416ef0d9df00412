/**
 * BLEU as sacrebleu 2.x computes it (default settings: the `13a` tokenizer, 4-grams, `exp`
 * smoothing, one reference per hypothesis), so scores are comparable with published ones.
 * test/pipeline/eval-bleu.test.ts checks it against values sacrebleu printed for the same inputs.
 * No well-kept BLEU package exists on npm (the few there are unmaintained and untested), hence
 * this small implementation.
 */

const PUNCT = /([{-~[-` -&(-+:-@/])/g;
const PERIOD_COMMA_AFTER = /([^0-9])([.,])/g;
const PERIOD_COMMA_BEFORE = /([.,])([^0-9])/g;
const DASH_AFTER_DIGIT = /([0-9])(-)/g;

/** sacrebleu's `13a` tokenizer (mteval-v13a). */
export function tokenize13a(text: string): string[] {
  let line = text.replace(/<skipped>/g, '').replace(/-\n/g, '').replace(/\n/g, ' ');
  if (line.includes('&')) line = line.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  line = ` ${line} `;
  line = line.replace(PUNCT, ' $1 ');
  line = line.replace(PERIOD_COMMA_AFTER, '$1 $2 ');
  line = line.replace(PERIOD_COMMA_BEFORE, ' $1 $2');
  line = line.replace(DASH_AFTER_DIGIT, '$1 $2 ');
  return line.split(/\s+/).filter((t) => t !== '');
}

export interface BleuStats {
  /** Clipped matches per n-gram order (1..4). */
  correct: number[];
  /** Hypothesis n-grams per order. */
  total: number[];
  sysLen: number;
  refLen: number;
}

const MAX_ORDER = 4;

function ngramCounts(tokens: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0001');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The sufficient statistics of one hypothesis against its reference. */
export function segmentStats(hypothesis: string, reference: string): BleuStats {
  // sacrebleu right-strips each segment before tokenizing
  const hyp = tokenize13a(hypothesis.trimEnd());
  const ref = tokenize13a(reference.trimEnd());
  const correct: number[] = [];
  const total: number[] = [];
  for (let n = 1; n <= MAX_ORDER; n++) {
    const h = ngramCounts(hyp, n);
    const r = ngramCounts(ref, n);
    let match = 0;
    for (const [gram, count] of h) match += Math.min(count, r.get(gram) ?? 0);
    correct.push(match);
    total.push(Math.max(0, hyp.length - n + 1));
  }
  return { correct, total, sysLen: hyp.length, refLen: ref.length };
}

function addStats(into: BleuStats, s: BleuStats): void {
  for (let i = 0; i < MAX_ORDER; i++) {
    into.correct[i]! += s.correct[i]!;
    into.total[i]! += s.total[i]!;
  }
  into.sysLen += s.sysLen;
  into.refLen += s.refLen;
}

const myLog = (x: number) => (x === 0 ? -9999999999 : Math.log(x));

/** BLEU (0-100) from statistics, with `exp` smoothing; `effectiveOrder` as in sentence BLEU. */
export function scoreFromStats(stats: BleuStats, effectiveOrder = false): number {
  const precisions = new Array<number>(MAX_ORDER).fill(0);
  let smooth = 1;
  let order = MAX_ORDER;
  if (stats.sysLen === 0) return 0;
  // no n-gram matches at all: 0, whatever the smoothing (sacrebleu #141)
  if (stats.correct.every((c) => c === 0)) return 0;
  for (let n = 1; n <= MAX_ORDER; n++) {
    const total = stats.total[n - 1]!;
    const correct = stats.correct[n - 1]!;
    if (total === 0) break;
    if (effectiveOrder) order = n;
    if (correct === 0) {
      smooth *= 2;
      precisions[n - 1] = 100 / (smooth * total);
    } else {
      precisions[n - 1] = (100 * correct) / total;
    }
  }
  const bp = stats.sysLen < stats.refLen ? Math.exp(1 - stats.refLen / stats.sysLen) : 1;
  let logSum = 0;
  for (let i = 0; i < order; i++) logSum += myLog(precisions[i]!);
  return bp * Math.exp(logSum / order);
}

/** sacrebleu.corpus_bleu(hypotheses, [references]).score */
export function corpusBleu(hypotheses: readonly string[], references: readonly string[]): number {
  if (hypotheses.length !== references.length) throw new RangeError(`BLEU needs one reference per hypothesis (${hypotheses.length} vs ${references.length})`);
  const sum: BleuStats = { correct: [0, 0, 0, 0], total: [0, 0, 0, 0], sysLen: 0, refLen: 0 };
  hypotheses.forEach((h, i) => addStats(sum, segmentStats(h, references[i]!)));
  return scoreFromStats(sum);
}

/** sacrebleu.sentence_bleu(hypothesis, [reference]).score */
export function sentenceBleu(hypothesis: string, reference: string): number {
  return scoreFromStats(segmentStats(hypothesis, reference), true);
}
