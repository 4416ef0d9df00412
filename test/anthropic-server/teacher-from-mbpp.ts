/**
 * Builds a responses file for the local server from MBPP-style JSONL (`text`, `code`, `task_id`),
 * so that `make demo` has a teacher without an API key: each task's prompt (matched by its `text`)
 * is answered with a reasoning trace (as thinking and as an "## Analysis" section) and a fix in a
 * python code block. A seeded fraction of answers carry a wrong fix, so that the sandbox filter has
 * something to filter. The same task's judge requests (claude.judge) are answered by ranking the
 * candidates by their closeness to the reference solution (reference-judge.ts).
 *
 *   npx tsx test/anthropic-server/teacher-from-mbpp.ts --input data/mbpp/mbpp.jsonl --out teacher.jsonl [--wrong 0.2] [--seed 1]
 */
import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { ResponseEntry } from './responses.js';

export interface MbppRow {
  text: string;
  code: string;
  task_id: number;
}

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The first `def name(` of the code, to name the function in the trace and in a wrong fix. */
function functionName(code: string): string {
  const at = code.indexOf('def ');
  if (at < 0) return 'solution';
  const rest = code.slice(at + 4);
  const end = rest.indexOf('(');
  return end > 0 ? rest.slice(0, end).trim() : 'solution';
}

function wrongFix(code: string): string {
  const name = functionName(code);
  const params = code.slice(code.indexOf('(', code.indexOf('def ')) + 1, code.indexOf(')', code.indexOf('def ')));
  return `def ${name}(${params}):\n    return None`;
}

export function teacherEntries(rows: MbppRow[], opts: { wrongFraction?: number; seed?: number } = {}): ResponseEntry[] {
  const random = seeded(opts.seed ?? 1);
  const wrong = opts.wrongFraction ?? 0.2;
  const entries = rows.flatMap((row): ResponseEntry[] => {
    const code = row.code.replace(/\r\n/g, '\n').replace(/\t/g, '    ');
    const fix = random() < wrong ? wrongFix(code) : code;
    const name = functionName(code);
    const trace = [
      `The task: ${row.text.trim()}`,
      `The function \`${name}\` has to satisfy the task's tests. Reading the given code, the faulty part is the core computation: it does not produce the expected value for every input.`,
      `Rewriting \`${name}\` so that it follows the specification directly fixes it, and keeps the signature the tests call.`,
    ].join('\n\n');
    return [
      { match: row.text.trim(), thinking: trace, text: `## Analysis\n${trace}\n\n## Fix\n\`\`\`python\n${fix}\n\`\`\`\n` },
      // the judge of this task's candidate repairs ranks them by closeness to the reference solution
      { match: row.text.trim(), judgeLike: code },
    ];
  });
  // The first match wins: put longer texts first, so a text that contains another wins.
  return entries.sort((a, b) => b.match!.length - a.match!.length);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { input: { type: 'string' }, out: { type: 'string' }, wrong: { type: 'string', default: '0.2' }, seed: { type: 'string', default: '1' } },
  });
  if (!values.input || !values.out) throw new Error('usage: teacher-from-mbpp --input mbpp.jsonl --out teacher.jsonl [--wrong 0.2] [--seed 1]');
  const rows = (await fs.readFile(values.input, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as MbppRow);
  const entries = teacherEntries(rows, { wrongFraction: Number(values.wrong), seed: Number(values.seed) });
  await fs.writeFile(values.out, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
  console.log(`${values.out}: ${entries.length} scripted answers`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(2);
  });
}
