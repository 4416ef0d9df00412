import { createHash } from 'node:crypto';
import { canonicalJson } from '../../core/canonical-json.js';

/**
 * A seeded, order-independent ranking of records: each record's rank is the hash of the seed and
 * its content (its position breaks ties between identical records). The same seed and data always
 * give the same sample or split, whatever order the records arrive in, with no PRNG state to keep.
 */
export function seededRank(seed: number, record: unknown, index: number): string {
  return createHash('sha256').update(`${seed}\0${canonicalJson(record)}`).digest('hex') + index.toString(16).padStart(12, '0');
}

/** Indexes of `ranks` ordered by rank. */
export function byRank(ranks: readonly string[]): number[] {
  return ranks.map((_, i) => i).sort((a, b) => (ranks[a]! < ranks[b]! ? -1 : ranks[a]! > ranks[b]! ? 1 : 0));
}
