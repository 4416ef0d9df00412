/**
 * A trainer Python that lacks a package fails at import, before the trainer can say anything:
 * that is a set-up error no retry can mend, named here instead of shown as a traceback.
 */
import { PermanentError } from '../../core/errors.js';

export function missingModuleError(stepId: string, stderr: string): PermanentError | undefined {
  const missing = /ModuleNotFoundError: No module named '([^']+)'/.exec(stderr)?.[1];
  if (missing === undefined) return undefined;
  return new PermanentError(`step "${stepId}": the trainer's Python has no module "${missing}": \`make bootstrap\` builds the trainer's venv, and REPAIRITY_PYTHON must name its interpreter (make exports it; set it when starting workers by hand)`, { step: stepId });
}
