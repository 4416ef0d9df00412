/**
 * Diagnostics: every problem the compiler finds, with the file, 1-based line and column, a
 * message that says what to do, and a stable code (for tests and editors).
 */
import { PermanentError } from '../core/errors.js';

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
  code: DiagnosticCode;
}

export type DiagnosticCode =
  | 'yaml-syntax'
  | 'duplicate-key'
  | 'alias-limit'
  | 'schema'
  | 'unknown-uses'
  | 'unknown-need'
  | 'unknown-step'
  | 'unknown-output'
  | 'unknown-param'
  | 'bad-reference'
  | 'item-outside-foreach'
  | 'self-reference'
  | 'cycle'
  | 'expression-syntax'
  | 'param-type'
  | 'bad-duration'
  | 'bad-cron'
  | 'bad-timezone'
  | 'bad-notify'
  | 'input-schema'
  | 'type-mismatch'
  | 'pipeline-include'
  | 'include-cycle'
  | 'limit'
  | 'internal';

/** Diagnostics a message lists; the rest are counted (a generated file can have thousands). */
const LISTED_MAX = 200;

/** `file:line:column: message`, one line per diagnostic, in file then position order. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const sorted = sortDiagnostics(diagnostics);
  const lines = sorted.slice(0, LISTED_MAX).map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`);
  if (sorted.length > LISTED_MAX) lines.push(`… and ${(sorted.length - LISTED_MAX).toLocaleString('en')} more problems`);
  return lines.join('\n');
}

export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) =>
    a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1,
  );
}

/** Thrown by callers that want an exception (CLI, the workflow's load activity). */
export class PipelineCompileError extends PermanentError {
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const file = diagnostics[0]?.file;
    super(
      `pipeline ${file ?? ''} is invalid (${diagnostics.length.toLocaleString('en')} problem${diagnostics.length === 1 ? '' : 's'}):\n${formatDiagnostics(diagnostics)}`,
      file === undefined ? {} : { file },
    );
    this.diagnostics = sortDiagnostics(diagnostics);
  }
}
