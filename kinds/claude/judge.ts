/**
 * `claude.judge`: the teacher ranks candidate repairs of one task on correctness, efficiency,
 * readability and minimal change, through a forced tool call (structured, no parsing of prose),
 * and the ranking becomes binary pairwise preferences. With `bothOrders`, the candidates are also
 * shown in reverse order (which swaps every pair's positions) and only the pairs both judgements
 * agree on are kept, to cancel position bias.
 */
import type { Message, Tool } from '@anthropic-ai/sdk/resources/messages';
import { PermanentError } from '../../core/errors.js';
import type { InputOf, OutputOf } from '../define.js';
import type { judgeSpec } from './specs.js';
import type { StepContext, StepImpl } from '../../engine/kind.js';
import { callClaude, errorContext, Spending, type ClaudeRuntime } from './call.js';
import type { MessageParams } from './request.js';

export const CRITERIA = ['correctness', 'efficiency', 'readability', 'minimal_change'] as const;
export type Criterion = (typeof CRITERIA)[number];
export const JUDGE_TOOL = 'record_judgement';

export interface Candidate {
  id: string;
  code: string;
}

/** The `with:` of claude.judge and its outputs, from its schemas (specs.ts). */
export type JudgeInput = InputOf<typeof judgeSpec>;

export interface Judgement {
  ranking: string[];
  criteria: Record<Criterion, string[]>;
  analysis: string;
}

export type PairLabel = {
  a: string;
  b: string;
  /** 1 when `a` is preferred to `b`, 0 when `b` is. */
  label: 0 | 1;
};

export type JudgeOutput = OutputOf<typeof judgeSpec>;

export const DEFAULT_JUDGE_SYSTEM =
  'You are a senior engineer reviewing candidate repairs of a buggy program. Judge each candidate on correctness (does it fix the bug without breaking anything; most important), efficiency, readability, and minimal change relative to the original code. Record your judgement with the record_judgement tool.';

export function normaliseCandidates(raw: JudgeInput['candidates'], ctx: StepContext): Candidate[] {
  const list = raw.map((c, i) => (typeof c === 'string' ? { id: String(i), code: c } : { id: c.id ?? String(i), code: c.code }));
  const ids = new Set(list.map((c) => c.id));
  if (ids.size !== list.length) throw new PermanentError(`claude.judge: candidate ids must be unique, got ${list.map((c) => c.id).join(', ')}`, errorContext(ctx));
  if (list.length < 2) throw new PermanentError('claude.judge needs at least two candidates', errorContext(ctx));
  return list;
}

function rankSchema(ids: string[], description: string): Record<string, unknown> {
  return { type: 'array', items: { type: 'string', enum: ids }, minItems: ids.length, maxItems: ids.length, uniqueItems: true, description };
}

/** The tool; its enums list ids in a fixed (sorted) order, whatever order candidates are shown in. */
export function judgeTool(ids: string[]): Tool {
  const sorted = [...ids].sort();
  const criteria = Object.fromEntries(CRITERIA.map((c) => [c, rankSchema(sorted, `candidate ids, best first on ${c.replace('_', ' ')}`)]));
  return {
    name: JUDGE_TOOL,
    description: 'Record the ranking of the candidate repairs, best first, overall and per criterion.',
    input_schema: {
      type: 'object',
      properties: {
        analysis: { type: 'string', description: 'A short comparison of the candidates' },
        criteria: { type: 'object', properties: criteria, required: [...CRITERIA], additionalProperties: false },
        ranking: rankSchema(sorted, 'candidate ids, best first overall'),
      },
      required: ['criteria', 'ranking'],
    },
  };
}

/** A fenced block whose fence is longer than any backtick run inside the code. */
function fenced(code: string, lang: string): string {
  const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${code}\n${fence}`;
}

export function judgePrompt(input: JudgeInput, shown: Candidate[]): string {
  const lang = input.language ?? '';
  const parts = ['## Task', input.task.trim()];
  if (input.original) parts.push('## Original code', fenced(input.original, lang));
  parts.push('## Candidates');
  for (const c of shown) parts.push(`### Candidate ${c.id}`, fenced(c.code, lang));
  parts.push(`Rank all ${shown.length} candidates by id (${shown.map((c) => c.id).join(', ')}), best first, overall and on each criterion, with the ${JUDGE_TOOL} tool.`);
  return parts.join('\n\n');
}

function isPermutation(value: unknown, ids: string[]): value is string[] {
  return Array.isArray(value) && value.length === ids.length && new Set(value).size === ids.length && value.every((v) => ids.includes(v as string));
}

export function readJudgement(message: Message, ids: string[]): Judgement | string {
  const call = message.content.find((b) => b.type === 'tool_use' && b.name === JUDGE_TOOL);
  if (!call || call.type !== 'tool_use') return `no ${JUDGE_TOOL} tool call in the answer (stop reason ${message.stop_reason})`;
  const input = call.input as { ranking?: unknown; criteria?: Record<string, unknown>; analysis?: unknown };
  if (!isPermutation(input.ranking, ids)) return `ranking ${JSON.stringify(input.ranking)} is not an ordering of ${ids.join(', ')}`;
  const criteria = {} as Record<Criterion, string[]>;
  for (const c of CRITERIA) {
    const r = input.criteria?.[c];
    criteria[c] = isPermutation(r, ids) ? r : input.ranking;
  }
  return { ranking: input.ranking, criteria, analysis: typeof input.analysis === 'string' ? input.analysis : '' };
}

/** Binary labels for every pair (in input order): 1 when the first is ranked above the second. */
export function pairLabels(ids: string[], ranking: string[]): PairLabel[] {
  const pos = new Map(ranking.map((id, i) => [id, i]));
  const out: PairLabel[] = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const a = ids[i]!;
      const b = ids[j]!;
      out.push({ a, b, label: pos.get(a)! < pos.get(b)! ? 1 : 0 });
    }
  }
  return out;
}

export function createJudgeStep(rt: ClaudeRuntime): StepImpl<JudgeInput, JudgeOutput> {
  return async (input: JudgeInput, ctx: StepContext): Promise<JudgeOutput> => {
    const candidates = normaliseCandidates(input.candidates, ctx);
    const ids = candidates.map((c) => c.id);
    const tool = judgeTool(ids);
    const spend = new Spending(ctx);
    const judge = async (shown: Candidate[]): Promise<{ judgement: Judgement; requestId: string | null; costUsd: number; cached: boolean }> => {
      const params: MessageParams = {
        model: input.model,
        max_tokens: input.maxTokens ?? 2048,
        ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
        system: input.system ?? DEFAULT_JUDGE_SYSTEM,
        messages: [{ role: 'user', content: judgePrompt(input, shown) }],
        tools: [tool],
        tool_choice: { type: 'tool', name: JUDGE_TOOL },
      };
      const validate = (m: Message): string | undefined => {
        const j = readJudgement(m, ids);
        return typeof j === 'string' ? j : undefined;
      };
      const r = await callClaude(rt, ctx, params, { stream: false, spend, validate, what: 'a judge request' });
      return { judgement: readJudgement(r.message, ids) as Judgement, requestId: r.requestId, costUsd: r.cached ? 0 : r.costUsd, cached: r.cached };
    };
    const forward = await judge(candidates);
    const forwardPairs = pairLabels(ids, forward.judgement.ranking);
    let pairs = forwardPairs;
    let inconsistent = 0;
    let reversed: Awaited<ReturnType<typeof judge>> | undefined;
    if (input.bothOrders) {
      reversed = await judge([...candidates].reverse());
      const back = pairLabels(ids, reversed.judgement.ranking);
      pairs = forwardPairs.filter((p, i) => p.label === back[i]!.label);
      inconsistent = forwardPairs.length - pairs.length;
    }
    const runs = reversed ? [forward, reversed] : [forward];
    return {
      ranking: forward.judgement.ranking,
      criteria: forward.judgement.criteria,
      ...(reversed ? { rankingReversed: reversed.judgement.ranking } : {}),
      pairs,
      preferences: pairs.map((p) => (p.label === 1 ? { chosen: p.a, rejected: p.b } : { chosen: p.b, rejected: p.a })),
      consistentPairs: pairs.length,
      inconsistentPairs: inconsistent,
      requestIds: runs.map((r) => r.requestId),
      costUsd: runs.reduce((s, r) => s + r.costUsd, 0),
      cached: runs.every((r) => r.cached),
    };
  };
}
