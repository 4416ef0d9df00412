/**
 * Durations of the pipeline language: a number of seconds, or a string of number+unit parts
 * (`500ms`, `30s`, `10m`, `1h30m`, `1.5h`, `2d`). The same pattern is in the JSON Schema
 * (`definitions.duration`); this module turns a valid duration into milliseconds.
 */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Whole-string pattern; kept identical to `definitions.duration.pattern` in the schema. */
export const DURATION_PATTERN = /^(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h|d))+$/;
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g;

/** Milliseconds, or undefined when the value is not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string' || !DURATION_PATTERN.test(value)) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return Math.round(total);
}
