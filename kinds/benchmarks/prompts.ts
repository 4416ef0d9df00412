/** The text a model is given for a task: a repair prompt (statement, buggy code, tests) or a generation prompt. */

export interface PromptParts {
  statement: string;
  language: string;
  buggy?: string;
  tests?: string[];
}

const fence = (language: string, code: string) => `\`\`\`${language}\n${code.replace(/\s+$/, '')}\n\`\`\``;

export function taskPrompt(p: PromptParts): string {
  const parts = [p.buggy ? `Fix the bug in this ${p.language} code.` : `Write ${p.language} code for this task.`, '', `Task: ${p.statement.trim()}`];
  if (p.buggy) parts.push('', 'Buggy code:', fence(p.language, p.buggy));
  if (p.tests && p.tests.length > 0) parts.push('', 'It must pass these tests:', fence(p.language, p.tests.join('\n')));
  return parts.join('\n');
}

/**
 * The code a model's answer holds: the last fenced block (in `language` if there is one), else
 * the text from the first `def`/`class`/`import` line (Python), else the whole answer.
 */
export function extractCode(answer: string, language = 'python'): string {
  const blocks = [...answer.matchAll(/```([\w+-]*)[^\n]*\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!.toLowerCase(), code: m[2]! }));
  const inLanguage = blocks.filter((b) => b.lang === language.toLowerCase());
  const pick = inLanguage.at(-1) ?? blocks.at(-1);
  if (pick) return pick.code.replace(/\s+$/, '');
  const start = answer.search(/^(def |class |import |from \S+ import )/m);
  return (start >= 0 ? answer.slice(start) : answer).replace(/\s+$/, '');
}
