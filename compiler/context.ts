/** State shared by the compiler's passes over one file: the source, the catalog, the findings. */
import type { StepCatalog } from '../kinds/catalog.js';
import type { StepSpec } from '../engine/kind.js';
import { forEachOutputSchema } from '../engine/kind.js';
import type { Diagnostic, DiagnosticCode } from './diagnostics.js';
import type { ParamSpec, Plan } from '../engine/plan.js';
import type { Path, Position, SourceDocument } from './source.js';
import type { ExpressionSite } from './templates.js';
import { TemplateScanner } from './templates.js';

export type Raw = Record<string, unknown>;

export const isRecord = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface StepInfo {
  id: string;
  raw: Raw;
  /** Position in the file, for stable ordering. */
  order: number;
  kind: 'activity' | 'pipeline' | 'invalid';
  spec?: StepSpec;
  child?: Plan;
  isForEach: boolean;
  /** Known steps this one waits for, with where each dependency is declared. */
  deps: Map<string, Position>;
  withSites: ExpressionSite[];
  forEachSites: ExpressionSite[];
  ifSite?: ExpressionSite;
  /** Schema of `item`, when the items' producer says. */
  itemSchema?: Record<string, unknown>;
}

export class CompileContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  readonly templates: TemplateScanner;
  readonly params = new Map<string, ParamSpec>();
  readonly steps = new Map<string, StepInfo>();

  constructor(
    readonly source: SourceDocument,
    readonly doc: Raw,
    readonly catalog: StepCatalog,
  ) {
    this.templates = new TemplateScanner(source, this.diagnostics);
  }

  get file(): string {
    return this.source.file;
  }

  at(path: Path, part: 'key' | 'value' = 'value'): Position {
    return this.source.locate(path, part);
  }

  error(code: DiagnosticCode, where: Position, message: string): void {
    this.diagnostics.push({ file: this.file, line: where.line, column: where.column, code, message });
  }

  warn(code: DiagnosticCode, where: Position, message: string): void {
    this.warnings.push({ file: this.file, line: where.line, column: where.column, code, message });
  }

  /** The schema of a step's outputs, as seen by the steps that reference them. */
  outputSchema(step: StepInfo): Record<string, unknown> | undefined {
    if (step.isForEach) return forEachOutputSchema as unknown as Record<string, unknown>;
    if (step.kind === 'pipeline' && step.child) {
      return {
        type: 'object',
        properties: Object.fromEntries(Object.keys(step.child.outputs).map((k) => [k, {}])),
        additionalProperties: false,
      };
    }
    if (step.kind === 'activity' && step.spec) return step.spec.output as Record<string, unknown>;
    return undefined;
  }

  /** Describes a step for messages: `step "a" (data.sample)`. */
  describe(step: StepInfo): string {
    const what = step.isForEach ? `forEach of ${step.spec?.name ?? 'a pipeline'}` : step.kind === 'pipeline' ? `pipeline ${String(step.raw.pipeline)}` : step.spec?.name;
    return what ? `step "${step.id}" (${what})` : `step "${step.id}"`;
  }
}
