/**
 * YAML text -> plain value, keeping the parsed document so that any path into the value can be
 * mapped back to a 1-based line and column. Duplicate keys, syntax errors, several documents,
 * unresolved aliases, alias bombs and nesting past LIMITS.depth become diagnostics, never exceptions.
 */
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, visit } from 'yaml';
import type { Alias, Document, Node, Pair, YAMLMap } from 'yaml';
import { findTooDeep } from './depth.js';
import type { Diagnostic } from './diagnostics.js';
import { formatBytes, LIMITS, quote } from './limits.js';

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

  private readonly keyIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

  /** A mapping's pairs by key (built once per mapping: lookups stay linear in the file's size). */
  private pairs(map: YAMLMap): Map<string, Pair> {
    let index = this.keyIndex.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) {
        const k = isPair(p) ? keyString(p.key) : undefined;
        if (k !== undefined && !index.has(k)) index.set(k, p);
      }
      this.keyIndex.set(map, index);
    }
    return index;
  }

  /** Text of line `line` (1-based), without its line break. */
  lineText(line: number): string {
    const starts = this.lineCounter.lineStarts;
    const start = starts[line - 1] ?? 0;
    const end = starts[line] ?? this.text.length;
    return this.text.slice(start, end).replace(/\r?\n$/, '');
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
        const pair = this.pairs(node).get(String(segment));
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
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line, column: col };
  };
  const fail = (offset: number, code: Diagnostic['code'], message: string): ParseResult => ({ ok: false, diagnostics: [{ file, ...at(offset), code, message }] });

  if (text.length > LIMITS.fileBytes) return fail(0, 'limit', `the file has ${text.length.toLocaleString('en')} characters; the limit is ${formatBytes(LIMITS.fileBytes)} per pipeline file: split it into sub-pipelines (pipeline:)`);
  lineCounter.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
  const deep = findTooDeep(text, LIMITS.depth);
  if (deep) return fail(deep.offset, 'limit', `nested more than ${LIMITS.depth} levels deep (mappings and lists, block or flow style); the limit is ${LIMITS.depth} levels: flatten the structure`);

  const docs = parseAllDocuments(text, {
    prettyErrors: false,
    // Duplicate keys are found below, in linear time (the library's check is quadratic).
    uniqueKeys: false,
    // `<<: *anchor` merge keys, as in YAML 1.1 (widely used to share step settings).
    merge: true,
    // Problems become diagnostics; nothing is printed.
    logLevel: 'silent',
  });
  const all = Array.isArray(docs) ? docs : [];
  const extra = all.slice(1).find((d) => d.contents !== null || d.errors.length > 0);
  if (extra) {
    return fail(extra.range[0], 'yaml-syntax', `the file holds ${all.length} YAML documents (separated by "---"); a pipeline file is one document: put each pipeline in its own file`);
  }
  const doc = all[0] ?? parseDocument('', { logLevel: 'silent' });
  const source = new SourceDocument(file, text, doc, lineCounter);
  const diagnostics: Diagnostic[] = [];
  let fatal = false;
  for (const error of [...doc.errors, ...doc.warnings]) {
    fatal = true;
    diagnostics.push({ file, ...at(syntaxErrorOffset(doc, text, error.pos[0], error.message)), code: 'yaml-syntax', message: `YAML syntax error: ${error.message}` });
  }
  const badKey = (key: Node, message: string): void => {
    fatal = true;
    diagnostics.push({ file, ...at(key.range?.[0] ?? 0), code: 'yaml-syntax', message });
  };
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = pair.key as Node | null;
        if (key && isCollection(key)) badKey(key, 'a mapping key must be a plain value (a name), not a mapping or a list');
        const name = keyString(key);
        if (name === undefined || name === '<<') continue;
        if (seen.has(name)) diagnostics.push({ file, ...at(key!.range?.[0] ?? 0), code: 'duplicate-key', message: `duplicate key "${quote(name)}": each key may appear once in a mapping; remove or rename one` });
        seen.add(name);
      }
    },
  });
  if (fatal) return { ok: false, diagnostics };
  const expansion = checkExpansion(doc);
  if (expansion) return { ok: false, diagnostics: [{ file, ...at(expansion.offset), code: 'alias-limit', message: expansion.message }] };
  let value: unknown;
  try {
    // Expansion was bounded above (by size, not by how often aliases are used).
    value = doc.toJS({ maxAliasCount: -1 });
  } catch (err) {
    return fail(0, 'yaml-syntax', `YAML error: ${(err as Error)?.message ?? String(err)}`);
  }
  return { ok: true, source, value, diagnostics };
}

/**
 * What the document's aliases add once expanded, and its depth then, computed without recursion
 * and each node once: a "billion laughs" file is refused at the alias that crosses
 * LIMITS.aliasValues, while any number of `<<: *common` uses of a small anchor is fine. An alias
 * refers to the last node with its anchor before it in document order (as the YAML library
 * resolves it), tracked during the walk rather than found by a walk of the document per alias.
 */
function checkExpansion(doc: Document.Parsed): { offset: number; message: string } | undefined {
  const root = doc.contents as Node | null;
  if (!root) return undefined;
  // Values and height of each anchored node once complete (what an alias to it adds).
  const complete = new Map<Node, { size: number; height: number }>();
  const anchors = new Map<string, Node>();
  let added = 0;
  // Values walked so far, aliases counted expanded: a node's size is the growth over its subtree.
  let total = 0;
  const stack: { node: Node; children: Node[]; next: number; start: number; height: number }[] = [];
  const open = (node: Node): void => {
    const anchor = isAlias(node) ? undefined : (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node);
    stack.push({ node, children: childrenOf(node), next: 0, start: total, height: 0 });
  };
  open(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next < top.children.length) {
      open(top.children[top.next++]!);
      continue;
    }
    stack.pop();
    const node = top.node;
    const offset = node.range?.[0] ?? 0;
    let height: number;
    if (isAlias(node)) {
      const source = (node as Alias).source;
      const target = anchors.get(source);
      const done = target ? complete.get(target) : undefined;
      if (!done) {
        return { offset, message: `alias *${quote(String(source))} refers to an anchor that is not complete here (an anchor cannot contain its own alias)` };
      }
      total += done.size;
      added += done.size;
      height = done.height;
      if (added > LIMITS.aliasValues) {
        return { offset, message: `YAML aliases expand to more than ${LIMITS.aliasValues.toLocaleString('en')} values (the limit guards against "billion laughs" files; it counts what aliases add, not how often they are used): write the values out or share smaller anchors` };
      }
    } else {
      total += 1;
      height = isCollection(node) ? top.height + 1 : top.height;
      if ((node as { anchor?: string }).anchor) complete.set(node, { size: total - top.start, height });
    }
    if (height > LIMITS.depth) {
      return { offset, message: `nested more than ${LIMITS.depth} levels deep once its YAML aliases are expanded; the limit is ${LIMITS.depth} levels` };
    }
    const parent = stack[stack.length - 1];
    if (parent && height > parent.height) parent.height = height;
  }
  return undefined;
}

/**
 * Where a syntax error is best shown: the library reports an unclosed quote or bracket where the
 * file ends or the next line starts; the offending token is the opening quote or bracket. An
 * indentation error is shown at the line's first character, not its first space.
 */
function syntaxErrorOffset(doc: Document.Parsed, text: string, offset: number, message: string): number {
  let opener: number | undefined;
  if (/Missing closing .?quote/i.test(message)) {
    visit(doc, {
      Scalar(_, node) {
        const r = node.range;
        if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && r && r[0] <= offset && r[1] >= offset) opener = r[0];
      },
    });
  } else if (/^Flow (sequence|map)|end with a [\]}]/.test(message)) {
    visit(doc, {
      Collection(_, node) {
        const r = node.range;
        if (node.flow && r && r[0] <= offset && r[1] >= offset) opener = r[0];
      },
    });
  }
  if (opener !== undefined) return opener;
  let i = offset;
  while (text[i] === ' ' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\n')) i++;
  return i < text.length && text[i] !== '\n' && (offset === 0 || text[offset - 1] === '\n') ? i : offset;
}

function childrenOf(node: Node): Node[] {
  if (isMap(node)) return node.items.flatMap((p) => [p.key, p.value].filter((x): x is Node => x !== null && typeof x === 'object'));
  if (isSeq(node)) return node.items.filter((x): x is Node => x !== null && typeof x === 'object') as Node[];
  return [];
}
