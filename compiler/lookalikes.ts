/**
 * Characters a reader cannot see or tell apart from ASCII (a zero-width space, a no-break space, a
 * Cyrillic "а" for a Latin "a"): when a problem is reported on a line holding one, the message
 * names it, since the line looks right on screen.
 */
import type { Diagnostic } from './diagnostics.js';

const INVISIBLE: Record<number, string> = {
  0x00a0: 'a no-break space',
  0x00ad: 'a soft hyphen',
  0x180e: 'a Mongolian vowel separator',
  0x200b: 'a zero-width space',
  0x200c: 'a zero-width non-joiner',
  0x200d: 'a zero-width joiner',
  0x200e: 'a left-to-right mark',
  0x200f: 'a right-to-left mark',
  0x2028: 'a line separator',
  0x2029: 'a paragraph separator',
  0x202f: 'a narrow no-break space',
  0x2060: 'a word joiner',
  0x3000: 'an ideographic space',
  0xfeff: 'a zero-width no-break space (byte order mark)',
};

/** Cyrillic and Greek letters drawn like Latin ones. */
const LOOKALIKE: Record<string, string> = {
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h',
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', І: 'I', Ј: 'J', Ѕ: 'S',
  α: 'a', ο: 'o', ν: 'v', ι: 'i', κ: 'k', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
};

const SUSPECT = /[\u00a0\u00ad\u180e\u2000-\u200f\u2028\u2029\u202f\u2060\u3000\ufeff\u0370-\u03ff\u0400-\u04ff\u0500-\u052f]/g;

/** What is odd about `ch`, or undefined when nothing is. */
function describe(ch: string): string | undefined {
  const code = ch.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const invisible = INVISIBLE[code] ?? (code >= 0x2000 && code <= 0x200a ? 'a typographic space' : undefined);
  if (invisible) return `${invisible} (${hex})`;
  const latin = LOOKALIKE[ch];
  if (latin) return `"${ch}" (${hex}, ${code < 0x0400 ? 'Greek' : 'Cyrillic'}), which looks like the Latin "${latin}"`;
  return undefined;
}

/** The characters of `line` a reader may not see as they are, as a note; empty when none. */
export function lookalikeNote(line: string): string {
  const found: string[] = [];
  for (const m of line.matchAll(SUSPECT)) {
    const what = describe(m[0]);
    if (what) found.push(`column ${m.index + 1}: ${what}`);
    if (found.length === 3) break;
  }
  return found.length === 0 ? '' : ` (note: this line holds characters that are not what they look like: ${found.join('; ')}; retype them)`;
}

/** The diagnostics, each pointing into `file` (whose text is `text`) with a note on its line's odd characters. */
export function noteLookalikes(diagnostics: Diagnostic[], file: string, text: string): Diagnostic[] {
  if (text.search(SUSPECT) < 0) return diagnostics;
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return diagnostics.map((d) => {
    if (d.file !== file || d.message.includes('(note: this line holds')) return d;
    const start = starts[d.line - 1];
    if (start === undefined) return d;
    const end = starts[d.line] ?? text.length + 1;
    const note = lookalikeNote(text.slice(start, end - 1));
    return note ? { ...d, message: d.message + note } : d;
  });
}
