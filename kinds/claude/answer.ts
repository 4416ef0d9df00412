/**
 * What a Claude answer contains, read with a Markdown lexer (marked): its fenced code blocks and,
 * when thinking was off, its analysis sections (the text under headings such as "Analysis" or
 * "Reasoning", or failing that the prose before the first code block).
 */
import { Lexer, type Token, type Tokens } from 'marked';

export interface CodeBlock {
  lang: string;
  code: string;
}

export const DEFAULT_ANALYSIS_HEADINGS = ['analysis', 'reasoning', 'explanation', 'root cause', 'diagnosis', 'thoughts', 'thinking', 'reasoning trace'];

export function lex(text: string): Token[] {
  return new Lexer({ gfm: true }).lex(text);
}

function children(token: Token): Token[] {
  const t = token as { tokens?: Token[]; items?: Tokens.ListItem[] };
  return [...(t.tokens ?? []), ...(t.items ?? []).flatMap((i) => [i as Token])];
}

function walk(tokens: Token[], visit: (t: Token) => void): void {
  for (const t of tokens) {
    visit(t);
    walk(children(t), visit);
  }
}

/** Every fenced or indented code block, in order, nested ones (in lists, quotes) included. */
export function codeBlocks(text: string | Token[]): CodeBlock[] {
  const out: CodeBlock[] = [];
  walk(typeof text === 'string' ? lex(text) : text, (t) => {
    if (t.type === 'code') {
      const code = t as Tokens.Code;
      out.push({ lang: (code.lang ?? '').trim().split(/\s+/)[0] ?? '', code: code.text });
    }
  });
  return out;
}

/** The code block most likely to be the fix: the last one in the wanted language, else the last one. */
export function primaryCode(blocks: CodeBlock[], language?: string): CodeBlock | undefined {
  if (language) {
    const wanted = blocks.filter((b) => b.lang.toLowerCase() === language.toLowerCase());
    if (wanted.length > 0) return wanted[wanted.length - 1];
  }
  return blocks[blocks.length - 1];
}

function normalHeading(text: string): string {
  return text.toLowerCase().replace(/[^a-z ]/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * The analysis part of an answer: sections under matching headings (up to the next heading of the
 * same or a higher level, code blocks left out); without such headings, the prose before the first
 * code block. Empty when there is neither.
 */
export function analysisSections(text: string | Token[], headings: readonly string[] = DEFAULT_ANALYSIS_HEADINGS): string {
  const tokens = typeof text === 'string' ? lex(text) : text;
  const wanted = headings.map(normalHeading);
  const parts: string[] = [];
  let depth: number | undefined;
  for (const t of tokens) {
    if (t.type === 'heading') {
      const h = t as Tokens.Heading;
      if (depth !== undefined && h.depth <= depth) depth = undefined;
      const name = normalHeading(h.text);
      if (depth === undefined && wanted.some((w) => name === w || name.startsWith(`${w} `))) depth = h.depth;
      continue;
    }
    if (depth !== undefined && t.type !== 'code' && t.type !== 'space') parts.push(t.raw.trim());
  }
  if (parts.length > 0) return parts.join('\n\n');
  const before: string[] = [];
  for (const t of tokens) {
    if (t.type === 'code') break;
    if (t.type !== 'space' && t.type !== 'heading') before.push(t.raw.trim());
  }
  return tokens.some((t) => t.type === 'code') ? before.join('\n\n') : '';
}
