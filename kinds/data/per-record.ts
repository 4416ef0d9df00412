import { PermanentError } from '../../core/errors.js';
import { evaluateExpression, parseExpression } from '../../core/expressions.js';
import type { StepContext } from '../../engine/kind.js';

/** Compiles an expression once and evaluates it for each record, naming the record on failure. */
export function recordExpression(source: string, field: string, ctx: StepContext): (item: unknown, index: number) => unknown {
  let expr;
  try {
    expr = parseExpression(source);
  } catch (err) {
    throw new PermanentError(`"${field}" of step "${ctx.stepId}": ${(err as Error).message}`, { step: ctx.stepId });
  }
  return (item, index) => {
    try {
      return evaluateExpression(expr, { item, index });
    } catch (err) {
      throw new PermanentError(`"${field}" of step "${ctx.stepId}" failed on record ${index}: ${(err as Error).message}`, { step: ctx.stepId, item: index });
    }
  };
}
