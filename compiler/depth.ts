/**
 * How deeply a YAML text nests, measured before it is parsed: the YAML library (like every
 * recursive reader after it) would overflow the stack on a few thousand levels. One linear pass,
 * no recursion. It counts block levels by indentation and `- ` markers, and flow levels by
 * brackets outside quotes and comments; block scalars (`|`, `>`) are skipped. It may count a level
 * more than the parser would (never fewer for nesting it can see), which the generous limit absorbs.
 */

export interface TooDeep {
  /** Offset in the text of the token that goes past the limit. */
  offset: number;
}

export function findTooDeep(text: string, max: number): TooDeep | undefined {
  const indents: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | undefined;
  let blockScalarIndent: number | undefined;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    let i = lineStart;
    while (i < lineEnd && text[i] === ' ') i++;
    const indent = i - lineStart;
    const blank = i === lineEnd || text[i] === '\r' || text[i] === '#';
    let depth = 0;
    let scan = !quote;
    if (quote) {
      i = closeQuote(text, lineStart, lineEnd, quote);
      if (i >= 0) {
        quote = undefined;
        scan = true;
      } else {
        i = lineEnd;
      }
    } else if (blockScalarIndent !== undefined && (blank || indent > blockScalarIndent)) {
      scan = false;
    } else if (flow === 0 && !blank) {
      blockScalarIndent = undefined;
      if (text.startsWith('---', i) || text.startsWith('...', i)) indents.length = 0;
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      while ((text[i] === '-' || text[i] === '?') && (i + 1 === lineEnd || text[i + 1] === ' ')) {
        depth++;
        i += 2;
        while (text[i] === ' ') i++;
      }
      if (indents.length + depth > max) return { offset: i };
    }
    if (scan && !blank) {
      const base = indents.length + depth;
      let tokenStart = true;
      for (; i < lineEnd; i++) {
        const c = text[i]!;
        if (c === '#' && (i === lineStart || text[i - 1] === ' ' || text[i - 1] === '\t')) break;
        if ((c === '"' || c === "'") && tokenStart) {
          const end = closeQuote(text, i + 1, lineEnd, c);
          if (end < 0) {
            quote = c;
            break;
          }
          i = end - 1;
          tokenStart = false;
          continue;
        }
        if ((c === '[' || c === '{') && (tokenStart || flow > 0)) {
          flow++;
          if (base + flow > max) return { offset: i };
        } else if ((c === ']' || c === '}') && flow > 0) {
          flow--;
        } else if ((c === '|' || c === '>') && tokenStart && flow === 0) {
          blockScalarIndent = indent;
          break;
        }
        tokenStart = c === ' ' || c === '\t' || c === ',' || c === '[' || c === '{' || (c === ':' && flow > 0) || (c === '-' && tokenStart);
      }
    }
    lineStart = lineEnd + 1;
  }
  return undefined;
}

/** Offset just after the quote closing a scalar that continues at `from`, or -1 if the line ends first. */
function closeQuote(text: string, from: number, lineEnd: number, quote: '"' | "'"): number {
  for (let i = from; i < lineEnd; i++) {
    const c = text[i];
    if (quote === '"' && c === '\\') i++;
    else if (c === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i + 1;
    }
  }
  return -1;
}
