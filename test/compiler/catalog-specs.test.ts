/**
 * The contract the compiler relies on, checked for every registered step kind: its input schema
 * compiles (so `with:` can be checked), and its output schema is an object schema listing its
 * properties (so `steps.<id>.outputs.<name>` references can be checked).
 */
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../kinds/catalog.js';
import { parseDuration } from '../../compiler/index.js';
import { inputValidator } from '../../compiler/validators.js';

const specs = [...defaultCatalog.values()];

describe('step kind specs in the default catalog', () => {
  it('there are some', () => {
    expect(specs.length).toBeGreaterThan(0);
  });

  it.each(specs.map((s) => [s.name, s] as const))('%s', (_name, spec) => {
    expect(spec.name).toMatch(/^[a-z][a-z0-9_]*\.[A-Za-z0-9_.-]+$/);
    const validate = inputValidator(spec);
    expect(validate instanceof Error ? validate.message : '').toBe('');
    const output = spec.output as Record<string, unknown>;
    expect(output.type).toBe('object');
    expect(typeof output.properties).toBe('object');
    if (spec.timeout !== undefined) expect(parseDuration(spec.timeout), `timeout ${spec.timeout}`).toBeGreaterThan(0);
    if (spec.heartbeatTimeout !== undefined) expect(parseDuration(spec.heartbeatTimeout), `heartbeatTimeout ${spec.heartbeatTimeout}`).toBeGreaterThan(0);
  });
});
