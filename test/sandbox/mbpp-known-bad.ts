/**
 * MBPP tasks whose canonical solution is not judged `passed`, each with the reason. Measured on
 * this project's python image (Debian bookworm, Python 3.11). Keep it short and explained.
 */
export const MBPP_KNOWN_BAD: Record<number, string> = {};

/**
 * MBPP tasks whose broken variant (every function the tests call redefined as `return None`)
 * still passes, because the expected value of every assert is itself None/falsy-equal.
 */
export const MBPP_BROKEN_STILL_PASSES: Record<number, string> = {};
