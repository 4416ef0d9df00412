/**
 * The simulated teacher of the demo: answers for the Claude simulator built from MBPP-style JSONL
 * (`text`, `code`, `task_id`), so that `repairity demo` has a teacher without an API key: each task's prompt (matched by its `text`)
 * is answered with a reasoning trace (as thinking and as an "## Analysis" section) and a fix in a
 * python code block. A seeded fraction of answers carry a wrong fix, so that the sandbox filter has
 * something to filter. The same task's judge requests (claude.judge) are answered by ranking the
 * candidates by their closeness to the reference solution (reference-judge.ts).
 *
 *   repairity claude-simulator --mbpp data/mbpp/mbpp.jsonl --write-responses teacher.jsonl
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { PermanentError } from '../core/errors.js';
import { seededRandom } from '../core/seeded-random.js';
import type { ResponseEntry } from './responses.js';

export interface MbppRow {
  text: string;
  code: string;
  task_id: number;
}

/** The first `def name(` of the code, to name the function in the trace and in a wrong fix. */
function functionName(code: string): string {
  const at = code.indexOf('def ');
  if (at < 0) return 'solution';
  const rest = code.slice(at + 4);
  const end = rest.indexOf('(');
  return end > 0 ? rest.slice(0, end).trim() : 'solution';
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function wrongFix(code: string): string {
  const name = functionName(code);
  const params = code.slice(code.indexOf('(', code.indexOf('def ')) + 1, code.indexOf(')', code.indexOf('def ')));
  return `def ${name}(${params}):\n    return None`;
}

export function teacherEntries(rows: MbppRow[], opts: { wrongFraction?: number; seed?: number } = {}): ResponseEntry[] {
  const random = seededRandom(opts.seed ?? 1);
  const wrong = opts.wrongFraction ?? 0.2;
  const entries = rows.flatMap((row): ResponseEntry[] => {
    const code = row.code.replace(/\r\n/g, '\n').replace(/\t/g, '    ');
    const fix = random() < wrong ? wrongFix(code) : code;
    const name = functionName(code);
    // Brief on purpose: a student's answer (this trace, then the code) must fit the demo's token budget.
    const trace = `\`${name}\` must ${lowerFirst(row.text.trim().replace(/^Write a (python )?function (to|that) /i, ''))} It computes that directly, with the signature the tests call.`;
    return [
      { match: row.text.trim(), thinking: trace, text: `## Analysis\n${trace}\n\n## Fix\n\`\`\`python\n${fix}\n\`\`\`\n` },
      // the judge of this task's candidate repairs ranks them by closeness to the reference solution
      { match: row.text.trim(), judgeLike: code },
    ];
  });
  // The first match wins: put longer texts first, so a text that contains another wins.
  return entries.sort((a, b) => b.match!.length - a.match!.length);
}

/** Reads MBPP-style JSONL; a malformed line is bad input, named by file and line. */
export async function readMbppRows(file: string): Promise<MbppRow[]> {
  const lines = (await fs.readFile(file, 'utf8')).split('\n');
  return lines.flatMap((line, i) => {
    if (line.trim() === '') return [];
    try {
      const row = JSON.parse(line) as MbppRow;
      if (typeof row.text === 'string' && typeof row.code === 'string') return [row];
    } catch {
      // reported below
    }
    throw new PermanentError(`${file}:${i + 1}: expected a JSON object with string fields "text" and "code" (an MBPP row)`);
  });
}

/** Writes the teacher's answers for the MBPP rows of `mbppFile` to `out` (JSONL); returns how many. */
export async function writeTeacherResponses(mbppFile: string, out: string, opts: { wrongFraction?: number; seed?: number } = {}): Promise<number> {
  const entries = teacherEntries(await readMbppRows(mbppFile), opts);
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return entries.length;
}
