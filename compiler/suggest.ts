/**
 * "Did you mean …?" suggestions by edit distance (optimal string alignment: a swap counts as one
 * edit). Bounded for any input: words longer than SUGGEST_MAX_LENGTH get none, candidates whose
 * length alone rules them out are skipped, at most SUGGEST_MAX_CANDIDATES are compared, and each
 * comparison stops once it exceeds the distance that could still be suggested.
 */

const SUGGEST_MAX_LENGTH = 64;
const SUGGEST_MAX_CANDIDATES = 500;
/** Names listed in a message ("known kinds: …") before the rest is summarised. */
const LIST_MAX = 20;

/** Edit distance of `a` and `b`, or `limit + 1` as soon as it is known to exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      row.push(v);
      best = Math.min(best, v);
    }
    if (best > limit) return limit + 1;
    prev2 = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** The closest candidate within about one edit per three characters (exact but for case below 3), or undefined. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > SUGGEST_MAX_LENGTH) return undefined;
  const limit = word.length <= 2 ? 0 : Math.max(1, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = limit + 1;
  let compared = 0;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) > limit) continue;
    const d = editDistance(lower, candidate.toLowerCase(), bestDistance - 1);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
      if (d === 0) break;
    }
    if (++compared >= SUGGEST_MAX_CANDIDATES) break;
  }
  return bestDistance <= limit ? best : undefined;
}

/** `; did you mean "x"?` or an empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates);
  return match === undefined ? '' : `; did you mean "${match}"?`;
}

/** Names for a message, at most LIST_MAX of them: `a, b, c` or `a, b, … (120 in all)`. */
export function listNames(names: Iterable<string>): string {
  const shown: string[] = [];
  let count = 0;
  for (const n of names) {
    if (count++ < LIST_MAX) shown.push(n);
  }
  return count > LIST_MAX ? `${shown.join(', ')}, … (${count} in all)` : shown.join(', ');
}
