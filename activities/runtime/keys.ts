/** The engine's store keys (engine/store-keys.ts), with sha256 making ids safe as path segments. */
import { sha256Hex } from '../../core/hash.js';
import { safeSegmentWith, storeKeys } from '../../engine/store-keys.js';

export { stepCacheKey } from '../../engine/store-keys.js';

/** Digests of recent ids: a batch's keys name the same run and step for each of its items. */
const digests = new Map<string, string>();
const DIGESTS_KEPT = 1024;

function digestOf(id: string): string {
  let hex = digests.get(id);
  if (hex === undefined) {
    if (digests.size >= DIGESTS_KEPT) digests.clear();
    digests.set(id, (hex = sha256Hex(id)));
  }
  return hex;
}

export const safeSegment = safeSegmentWith(digestOf);
export const { stepPrefix, runKeys } = storeKeys(safeSegment);
