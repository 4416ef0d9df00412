import { PermanentError } from '../core/errors.js';

/** Collects repeated `--param k=v` flags. */
export function collectParam(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new PermanentError(`--param ${value}: expected name=value, e.g. --param fraction=0.2`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}
