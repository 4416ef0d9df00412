/**
 * The simulated teacher's judge: answers a forced `record_judgement` call by ranking the candidates
 * shown in the prompt (`### Candidate <id>` + a fenced block, as claude.judge writes them) by how
 * close their code is to a reference program (Dice overlap of their tokens; ties by id). Order-
 * independent, so a judgement survives claude.judge's swapped second asking. A stand-in for a real
 * teacher's judgement of correctness: it knows the reference fix, not the tests.
 */
import { lastUserText } from './answers.js';
import type { MessagesRequestBody, ScriptedAnswer } from './types.js';

export const JUDGE_TOOL = 'record_judgement';
const CRITERIA = ['correctness', 'efficiency', 'readability', 'minimal_change'];

const tokens = (code: string) => code.match(/\w+|[^\s\w]/g) ?? [];

/** Dice coefficient of the two programs' token multisets, in [0, 1]. */
export function similarity(a: string, b: string): number {
  const ta = tokens(a);
  const tb = tokens(b);
  if (ta.length + tb.length === 0) return 1;
  const counts = new Map<string, number>();
  for (const t of ta) counts.set(t, (counts.get(t) ?? 0) + 1);
  let shared = 0;
  for (const t of tb) {
    const n = counts.get(t) ?? 0;
    if (n > 0) {
      shared++;
      counts.set(t, n - 1);
    }
  }
  return (2 * shared) / (ta.length + tb.length);
}

export function candidatesOf(prompt: string): Array<{ id: string; code: string }> {
  return [...prompt.matchAll(/^### Candidate (\S+)\n+(`{3,})[^\n]*\n([\s\S]*?)\n\2/gm)].map((m) => ({ id: m[1]!, code: m[3]! }));
}

export function judgeByReference(request: MessagesRequestBody, reference: string): ScriptedAnswer {
  const scored = candidatesOf(lastUserText(request)).map((c) => ({ id: c.id, score: similarity(c.code, reference) }));
  const ranking = scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((c) => c.id);
  const analysis = `Ranked by closeness to the reference fix: ${scored.map((c) => `${c.id} ${c.score.toFixed(2)}`).join(', ')}.`;
  return { toolUse: { name: JUDGE_TOOL, input: { analysis, ranking, criteria: Object.fromEntries(CRITERIA.map((c) => [c, ranking])) } } };
}
