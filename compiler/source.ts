/**
 * YAML text -> plain value, keeping the parsed document so that any path into the value can be
 * mapped back to a 1-based line and column. Duplicate keys, syntax errors, unresolved aliases and
 * alias bombs become diagnostics, never exceptions.
 */
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Alias, Document, Node } from 'yaml';
import type { Diagnostic } from './diagnostics.js';

/** More aliases than this in one file is refused (a "billion laughs" document expands each one). */
export const MAX_ALIAS_COUNT = 50;

export type Path = readonly (string | number)[];

export interface Position {
  line: number;
  column: number;
}

export class SourceDocument {
  constructor(
    readonly file: string,
    readonly text: string,
    private readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {}

  position(offset: number): Position {
    const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line, column: col };
  }

  /** The node at `path`, following aliases; with `key`, the key node of the last segment's pair. */
  private find(path: Path, key: boolean): { node: Node | undefined; depth: number; keyNode?: Node } {
    let node: unknown = this.doc.contents;
    let keyNode: Node | undefined;
    let depth = 0;
    for (const segment of path) {
      if (isAlias(node)) node = (node as Alias).resolve(this.doc);
      keyNode = undefined;
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyString(p.key) === String(segment));
        if (pair) {
          next = pair.value ?? pair.key;
          keyNode = (pair.key ?? undefined) as Node | undefined;
        }
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
      }
      if (next === undefined || next === null) break;
      node = next;
      depth++;
    }
    return { node: node as Node | undefined, depth, keyNode: depth === path.length && key ? keyNode : undefined };
  }

  /**
   * Position of the value at `path` (or of its key, with `part: 'key'`). A path that does not
   * resolve fully gives the position of its deepest existing ancestor.
   */
  locate(path: Path, part: 'value' | 'key' = 'value'): Position {
    const found = this.find(path, part === 'key');
    const target = found.keyNode ?? found.node;
    const offset = target?.range?.[0];
    return offset === undefined ? { line: 1, column: 1 } : this.position(offset);
  }

  /**
   * Position of character `offset` of the string value at `path`. Exact for plain and one-line
   * quoted scalars whose source spells the value literally; otherwise, when `templateStart` (the
   * offset of a `${{` in the value) is given, the matching `${{` in the source is found by count;
   * else the scalar's own position.
   */
  locateInString(path: Path, offset: number, templateStart?: number): Position {
    const { node, depth } = this.find(path, false);
    if (!node || depth !== path.length || !isScalar(node) || !node.range || typeof node.value !== 'string') return this.locate(path);
    const value = node.value;
    const raw = this.text.slice(node.range[0], node.range[1]);
    if (raw === value) return this.position(node.range[0] + offset);
    if (raw.length === value.length + 2 && raw.slice(1, -1) === value) return this.position(node.range[0] + 1 + offset);
    if (templateStart !== undefined) {
      const count = (s: string): number => s.split('${{').length - 1;
      const index = count(value.slice(0, templateStart));
      if (count(raw) === count(value)) {
        let at = -1;
        for (let i = 0; i <= index; i++) at = raw.indexOf('${{', at + 1);
        if (at >= 0) return this.position(node.range[0] + at);
      }
    }
    return this.locate(path);
  }
}

function keyString(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

export type ParseResult =
  | { ok: true; source: SourceDocument; value: unknown; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

export function parseSource(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    // `<<: *anchor` merge keys, as in YAML 1.1 (widely used to share step settings).
    merge: true,
    // Problems become diagnostics; nothing is printed.
    logLevel: 'silent',
  });
  const source = new SourceDocument(file, text, doc, lineCounter);
  const diagnostics: Diagnostic[] = [];
  let fatal = false;
  for (const error of [...doc.errors, ...doc.warnings]) {
    const { line, column } = source.position(error.pos[0]);
    if (error.code === 'DUPLICATE_KEY') {
      const key = keyAt(text, error.pos[0]) ?? (text.slice(error.pos[0], error.pos[1]).trim() || 'key');
      diagnostics.push({ file, line, column, code: 'duplicate-key', message: `duplicate key "${key}": each key may appear once in a mapping; remove or rename one` });
    } else {
      fatal = true;
      diagnostics.push({ file, line, column, code: 'yaml-syntax', message: `YAML syntax error: ${error.message}` });
    }
  }
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key as Node | null;
      if (key && isCollection(key)) {
        fatal = true;
        const { line, column } = key.range ? source.position(key.range[0]) : { line: 1, column: 1 };
        diagnostics.push({ file, line, column, code: 'yaml-syntax', message: 'a mapping key must be a plain value (a name), not a mapping or a list' });
      }
    },
  });
  if (fatal) return { ok: false, diagnostics };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const alias = firstAlias(doc);
    const { line, column } = alias?.range ? source.position(alias.range[0]) : { line: 1, column: 1 };
    const message = (err as Error).message ?? String(err);
    if (/alias count/i.test(message)) {
      diagnostics.push({ file, line, column, code: 'alias-limit', message: `too many YAML aliases (the limit is ${MAX_ALIAS_COUNT} alias expansions per file, which guards against "billion laughs" documents); write the values out or use fewer anchors` });
    } else {
      diagnostics.push({ file, line, column, code: 'yaml-syntax', message: `YAML error: ${message}` });
    }
    return { ok: false, diagnostics };
  }
  return { ok: true, source, value, diagnostics };
}

/** The key text starting at `offset` (one line, up to the colon). */
function keyAt(text: string, offset: number): string | undefined {
  const line = text.slice(offset, text.indexOf('\n', offset) < 0 ? undefined : text.indexOf('\n', offset));
  const m = /^\s*["']?([^"':]+)["']?\s*:/.exec(line);
  return m?.[1]?.trim();
}

function firstAlias(doc: Document.Parsed): Node | undefined {
  let found: Node | undefined;
  visit(doc, {
    Alias(_, node) {
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}
