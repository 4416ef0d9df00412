/**
 * Scripted answers from a file (the demo's teacher when no API key is set is such a file, from mbpp-teacher.ts).
 *
 * Accepted formats:
 * - JSON: `{ "responses": [Entry, ...], "default": ScriptedAnswer? }` or a bare `[Entry, ...]`;
 * - JSONL: one Entry per line.
 *
 * An Entry is a ScriptedAnswer (`text`, `thinking`, `toolUse`, `usage`, `stopReason`) plus what it
 * answers: `match` (a substring of the request's system prompt + messages) or `matchRegex`. An
 * entry with `judgeLike` (a reference program) answers only forced `record_judgement` calls, by
 * ranking the candidates shown by their closeness to that program (reference-judge.ts).
 * The first matching entry wins; an entry with neither is the default. Without any match the
 * server's built-in answer is used.
 */
import fs from 'node:fs/promises';
import { PermanentError } from '../core/errors.js';
import { defaultAnswer, requestText } from './answers.js';
import { JUDGE_TOOL, judgeByReference } from './reference-judge.js';
import type { MessagesRequestBody, Responder, ScriptedAnswer } from './types.js';

export interface ResponseEntry extends ScriptedAnswer {
  match?: string;
  matchRegex?: string;
  judgeLike?: string;
}

export interface ResponsesFile {
  responses: ResponseEntry[];
  default?: ScriptedAnswer;
}

export function parseResponses(text: string, source = 'responses'): ResponsesFile {
  const trimmed = text.trim();
  if (trimmed === '') return { responses: [] };
  try {
    const value = JSON.parse(trimmed) as unknown;
    if (Array.isArray(value)) return { responses: value as ResponseEntry[] };
    if (value && typeof value === 'object' && Array.isArray((value as ResponsesFile).responses)) return value as ResponsesFile;
    if (value && typeof value === 'object') return { responses: [value as ResponseEntry] };
  } catch {
    // Not one JSON document: read it as JSONL.
  }
  const responses: ResponseEntry[] = [];
  trimmed.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      responses.push(JSON.parse(line) as ResponseEntry);
    } catch (err) {
      throw new PermanentError(`${source}:${i + 1}: not valid JSON (${(err as Error).message}); fix that line of the responses file`);
    }
  });
  return { responses };
}

function strip(entry: ResponseEntry): ScriptedAnswer {
  const { match: _m, matchRegex: _r, judgeLike: _j, ...answer } = entry;
  return answer;
}

export function responderFrom(file: ResponsesFile): Responder {
  const regexes = file.responses.map((e) => (e.matchRegex ? new RegExp(e.matchRegex, 's') : undefined));
  const fallback = file.default ?? file.responses.find((e) => e.match === undefined && e.matchRegex === undefined);
  return (request: MessagesRequestBody): ScriptedAnswer => {
    const text = requestText(request);
    const forcedTool = request.tool_choice?.type === 'tool' ? request.tool_choice.name : undefined;
    for (const [i, entry] of file.responses.entries()) {
      const re = regexes[i];
      const hit = (entry.match !== undefined && text.includes(entry.match)) || (re !== undefined && re.test(text));
      if (!hit) continue;
      if (entry.judgeLike !== undefined) {
        if (forcedTool === JUDGE_TOOL) return judgeByReference(request, entry.judgeLike);
        continue;
      }
      // A forced tool call is answered only by an entry that scripts that tool.
      if (forcedTool && entry.toolUse?.name !== forcedTool) continue;
      return strip(entry);
    }
    if (fallback && (!forcedTool || fallback.toolUse?.name === forcedTool)) return strip(fallback as ResponseEntry);
    return defaultAnswer(request);
  };
}

export async function loadResponder(file: string): Promise<Responder> {
  return responderFrom(parseResponses(await fs.readFile(file, 'utf8'), file));
}
