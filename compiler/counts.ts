/**
 * The counting limits (LIMITS.steps, LIMITS.references), checked on the parsed value before any
 * per-step pass: a file past them is refused at once, with the place where the limit was crossed.
 */
import { isRecord } from './context.js';
import type { Diagnostic } from './diagnostics.js';
import { LIMITS } from './limits.js';
import type { SourceDocument } from './source.js';

export function checkCounts(value: unknown, source: SourceDocument): Diagnostic | undefined {
  if (!isRecord(value) || !isRecord(value.steps)) return undefined;
  const ids = Object.keys(value.steps);
  if (ids.length > LIMITS.steps) {
    const { line, column } = source.locate(['steps', ids[LIMITS.steps]!], 'key');
    return { file: source.file, line, column, code: 'limit', message: `the pipeline has ${ids.length.toLocaleString('en')} steps; the limit is ${LIMITS.steps.toLocaleString('en')} steps per file: group steps into sub-pipelines (pipeline:) or fan out with forEach` };
  }
  let references = 0;
  for (let at = source.text.indexOf('${{'); at >= 0; at = source.text.indexOf('${{', at + 3)) {
    if (++references > LIMITS.references) return tooManyReferences(source, source.position(at));
  }
  for (const id of ids) {
    const needs = (value.steps[id] as Record<string, unknown> | undefined)?.needs;
    references += Array.isArray(needs) ? needs.length : needs === undefined ? 0 : 1;
    if (references > LIMITS.references) return tooManyReferences(source, source.locate(['steps', id, 'needs']));
  }
  return undefined;
}

function tooManyReferences(source: SourceDocument, at: { line: number; column: number }): Diagnostic {
  return { file: source.file, ...at, code: 'limit', message: `the pipeline has more than ${LIMITS.references.toLocaleString('en')} references (\${{ }} expressions and needs entries); the limit is ${LIMITS.references.toLocaleString('en')} per file: split it into sub-pipelines` };
}
