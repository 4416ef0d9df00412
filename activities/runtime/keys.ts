/** The engine's store keys (engine/store-keys.ts), with sha256 making ids safe as path segments. */
import { sha256Hex } from '../../core/hash.js';
import { safeSegmentWith, storeKeys } from '../../engine/store-keys.js';

export { stepCacheKey } from '../../engine/store-keys.js';

export const safeSegment = safeSegmentWith(sha256Hex);
export const { stepPrefix, runKeys } = storeKeys(safeSegment);
