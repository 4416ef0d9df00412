/**
 * Second pass: every expression of every step (`with`, `forEach`, `if`) and of the pipeline's
 * `outputs` is parsed, and each reference checked: params are declared, steps exist and are not
 * the step itself, outputs are among the producer's, `item`/`index` only inside a forEach step.
 * Each step reference becomes a dependency.
 */
import type { ExpressionReference } from '../core/expressions.js';
import type { CompileContext, StepInfo } from './context.js';
import { isRecord } from './context.js';
import type { ExpressionSite } from './templates.js';
import { declaresProperty, propertyNames, pureReference, schemaAt } from './types.js';
import { quote } from './limits.js';
import { didYouMean, listNames } from './suggest.js';

type Place = 'with' | 'forEach' | 'if' | 'outputs';

/** A literal forEach string must name a stored JSONL artifact. */
const ARTIFACT_URI = /^(file|s3):\/\//;

export function checkStepExpressions(ctx: CompileContext, step: StepInfo): void {
  const base = ['steps', step.id];
  const raw = step.raw;
  if (raw.with !== undefined) step.withSites = ctx.templates.scan(raw.with, [...base, 'with']);
  if (typeof raw.forEach === 'string' && !raw.forEach.includes('${{') && !ARTIFACT_URI.test(raw.forEach)) {
    ctx.error(
      'type-mismatch',
      ctx.at([...base, 'forEach']),
      `forEach of step "${quote(step.id)}" is the plain string "${quote(raw.forEach)}", which is neither a list nor an expression: write \${{ ${quote(raw.forEach)} }} for an expression, a list ([a, b]), or the URI of a JSONL artifact (s3://…, file://…)`,
    );
  }
  if (typeof raw.forEach === 'string' || Array.isArray(raw.forEach)) step.forEachSites = ctx.templates.scan(raw.forEach, [...base, 'forEach']);
  if (typeof raw.if === 'string') step.ifSite = ctx.templates.scanCondition(raw.if, [...base, 'if']);

  for (const site of step.withSites) checkSite(ctx, site, step, 'with');
  for (const site of step.forEachSites) checkSite(ctx, site, step, 'forEach');
  if (step.ifSite) checkSite(ctx, step.ifSite, step, 'if');
}

export function checkOutputExpressions(ctx: CompileContext): void {
  if (!isRecord(ctx.doc.outputs)) return;
  for (const site of ctx.templates.scan(ctx.doc.outputs, ['outputs'])) checkSite(ctx, site, undefined, 'outputs');
}

/** An expression decided once, after every step (a notifier's `if`): checked like the pipeline's outputs. */
export function checkRunEndExpression(ctx: CompileContext, site: ExpressionSite): void {
  checkSite(ctx, site, undefined, 'outputs');
}

function checkSite(ctx: CompileContext, site: ExpressionSite, step: StepInfo | undefined, place: Place): void {
  for (const ref of site.refs) checkReference(ctx, site, ref, step, place);
}

/** Where `ref` starts in the expression: `root.first` (or `root['first']`), else `root` alone, else 0. */
function referenceOffset(site: ExpressionSite, ref: ExpressionReference): number {
  const text = site.expression;
  const first = ref.path[0];
  if (first !== undefined) {
    // The first match of /\broot\s*(?:\.\s*|\[\s*['"])first/, found without building a RegExp per reference.
    for (let at = text.indexOf(ref.root); at >= 0; at = text.indexOf(ref.root, at + 1)) {
      if (at > 0 && WORD.test(text[at - 1]!)) continue;
      const i = skipSpaces(text, at + ref.root.length);
      if (text[i] === '.') {
        // The name may itself start with spaces: it starts anywhere in the spaces after the dot.
        for (let k = i + 1, end = skipSpaces(text, i + 1); k <= end; k++) if (text.startsWith(first, k)) return at;
      } else if (text[i] === '[') {
        const quote = skipSpaces(text, i + 1);
        if ((text[quote] === '"' || text[quote] === "'") && text.startsWith(first, quote + 1)) return at;
      }
    }
  }
  let whole = wholeWord.get(ref.root);
  if (!whole) wholeWord.set(ref.root, (whole = new RegExp(`\\b${ref.root}\\b`)));
  return Math.max(0, text.search(whole));
}

const wholeWord = new Map<string, RegExp>();
const SPACE = /\s/;
const WORD = /\w/;

function skipSpaces(text: string, i: number): number {
  while (i < text.length && SPACE.test(text[i]!)) i++;
  return i;
}

function checkReference(ctx: CompileContext, site: ExpressionSite, ref: ExpressionReference, step: StepInfo | undefined, place: Place): void {
  const where = ctx.templates.position(site, referenceOffset(site, ref));
  const [first, second, third] = ref.path;
  switch (ref.root) {
    case 'params':
      if (first !== undefined && !ctx.params.has(first)) {
        const declared = [...ctx.params.keys()];
        ctx.error('unknown-param', where, `unknown param "${quote(first)}" in \${{ ${quote(site.expression)} }}${didYouMean(first, declared) || (declared.length ? `; declared params: ${listNames(declared)}` : '; declare it under params:')}`);
      }
      return;
    case 'steps': {
      if (first === undefined) {
        ctx.error('bad-reference', where, `"${quote(site.expression)}": name the step literally, as steps.<id>.outputs.<name>, so that the dependency is known before the run`);
        return;
      }
      if (step && first === step.id) {
        ctx.error('self-reference', where, `step "${step.id}" references its own outputs in \${{ ${quote(site.expression)} }}; a step can only use the outputs of other steps`);
        return;
      }
      const producer = ctx.steps.get(first);
      if (!producer) {
        ctx.error('unknown-step', where, `unknown step "${quote(first)}" in \${{ ${quote(site.expression)} }}${didYouMean(first, ctx.steps) || `; steps: ${listNames(ctx.steps.keys())}`}`);
        return;
      }
      if (step && !step.deps.has(first)) step.deps.set(first, where);
      if (second === undefined || second !== 'outputs') {
        ctx.error('bad-reference', where, `"${quote(site.expression)}": a step's values are reached as steps.${first}.outputs.<name>${second === undefined ? '' : `, not steps.${first}.${second}`}`);
        return;
      }
      if (third === undefined) return;
      const schema = ctx.outputSchema(producer);
      if (declaresProperty(schema, third) === 'no') {
        const names = propertyNames(schema);
        ctx.error('unknown-output', where, `${ctx.describe(producer)} has no output "${quote(third)}" (its outputs: ${listNames(names) || 'none'})${didYouMean(third, names)}`);
      }
      return;
    }
    case 'item':
    case 'index':
      if (!step || !step.isForEach || place === 'forEach' || place === 'if') {
        const why =
          !step ? 'pipeline outputs are computed once, after all steps'
          : place === 'forEach' ? 'the items list is computed before there is an item'
          : place === 'if' ? '`if` is decided once for the whole step, before its items run'
          : `step "${step.id}" has no forEach`;
        ctx.error('item-outside-foreach', where, `"${ref.root}" is only defined in the with: of a forEach step (${why})`);
      }
      return;
    default:
      return;
  }
}

/** When a forEach's items are one reference to a producer's array output, that array's item schema. */
export function inferItemSchema(ctx: CompileContext, step: StepInfo): void {
  const site = step.forEachSites[0];
  if (!site || !site.whole || step.forEachSites.length !== 1) return;
  const ref = pureReference(site.expr);
  if (!ref || ref.root !== 'steps' || ref.path[1] !== 'outputs' || ref.path.length < 3) return;
  const producer = ctx.steps.get(ref.path[0]!);
  if (!producer) return;
  const schema = schemaAt(ctx.outputSchema(producer), ref.path.slice(2));
  if (schema && schema.type === 'array' && isRecord(schema.items)) step.itemSchema = schema.items;
}
