/**
 * "Did you mean …?" suggestions by edit distance (optimal string alignment: a swap counts as one
 * edit). Bounded for any input: words longer than SUGGEST_MAX_LENGTH get none, a large set of
 * names is searched through an index of one-deletion variants, at most SUGGEST_MAX_CANDIDATES
 * are compared one by one, and each comparison stops once it exceeds the distance that could
 * still be suggested.
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
export function closest(word: string, candidates: Iterable<string> | ReadonlyMap<string, unknown>): string | undefined {
  if (word.length > SUGGEST_MAX_LENGTH) return undefined;
  const limit = word.length <= 2 ? 0 : Math.max(1, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = limit + 1;
  const consider = (candidate: string): boolean => {
    const d = editDistance(lower, candidate.toLowerCase(), bestDistance - 1);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
    return d === 0;
  };
  // A large set (the steps of a big file) is searched through its index first: every name within
  // one edit shares a one-deletion variant with the word.
  const names: Iterable<string> = candidates instanceof Map ? candidates.keys() : (candidates as Iterable<string>);
  const index = candidates instanceof Map && candidates.size > SUGGEST_MAX_CANDIDATES ? deletionIndex(candidates) : undefined;
  if (index) {
    for (const variant of deletions(lower)) for (const candidate of index.get(variant) ?? []) if (consider(candidate)) return candidate;
    if (best !== undefined) return best;
  }
  let compared = 0;
  for (const candidate of names) {
    if (Math.abs(candidate.length - word.length) > limit) continue;
    if (consider(candidate) || ++compared >= SUGGEST_MAX_CANDIDATES) break;
  }
  return bestDistance <= limit ? best : undefined;
}

/** The word and each string one deletion away from it. */
function deletions(word: string): Set<string> {
  const out = new Set([word]);
  for (let i = 0; i < word.length; i++) out.add(word.slice(0, i) + word.slice(i + 1));
  return out;
}

const indexes = new WeakMap<ReadonlyMap<string, unknown>, { size: number; index: Map<string, string[]> }>();

/** Names by their one-deletion variants (lower case), built once per map (and again if it grew). */
function deletionIndex(names: ReadonlyMap<string, unknown>): Map<string, string[]> {
  const cached = indexes.get(names);
  if (cached && cached.size === names.size) return cached.index;
  const index = new Map<string, string[]>();
  for (const name of names.keys()) {
    if (name.length > SUGGEST_MAX_LENGTH) continue;
    for (const variant of deletions(name.toLowerCase())) {
      const list = index.get(variant);
      if (list) list.push(name);
      else index.set(variant, [name]);
    }
  }
  indexes.set(names, { size: names.size, index });
  return index;
}

/** `; did you mean "x"?` or an empty string. */
export function didYouMean(word: string, candidates: Iterable<string> | ReadonlyMap<string, unknown>): string {
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
