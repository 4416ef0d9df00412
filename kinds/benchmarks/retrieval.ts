/**
 * The code a SWE-bench repair prompt shows, as the SWE-bench paper's retrieval settings choose it:
 * `oracle`, the files the gold patch edits; `bm25`, the repository's files ranked by BM25 against
 * the issue text (Okapi BM25, k1 1.2, b 0.75), as many as fit `maxChars`.
 */
import { spawn } from 'node:child_process';
import tar from 'tar-stream';
import { fileAt } from '../../sandbox/swebench/repo.js';

export type Retrieval = 'oracle' | 'bm25';

export interface RetrievedFile {
  path: string;
  content: string;
}

const TEXT = /\.(py|pyi|pyx|cfg|toml|ini|txt|rst|md|c|h|js|ts)$/;
const MAX_FILE = 400_000;

export async function oracleFiles(gitDir: string, commit: string, paths: string[]): Promise<RetrievedFile[]> {
  const out: RetrievedFile[] = [];
  for (const p of paths) {
    const content = await fileAt(gitDir, commit, p);
    if (content !== undefined) out.push({ path: p, content });
  }
  return out;
}

/** The text files of a commit, read in one `git archive`. */
async function repositoryFiles(gitDir: string, commit: string): Promise<RetrievedFile[]> {
  const files: RetrievedFile[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    const keep = header.type === 'file' && TEXT.test(header.name) && (header.size ?? 0) <= MAX_FILE;
    stream.on('data', (c: unknown) => {
      if (keep) chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      if (keep) files.push({ path: header.name, content: Buffer.concat(chunks).toString('utf8') });
      next();
    });
    stream.resume();
  });
  const child = spawn('git', ['archive', '--format=tar', commit], { cwd: gitDir, stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout.pipe(extract);
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    child.on('error', reject);
  });
  return files;
}

export const tokens = (text: string): string[] => text.toLowerCase().match(/[a-z0-9_]+/g) ?? [];

/** Documents ranked by BM25 against the query, best first (ties in input order). */
export function bm25Rank(query: string, docs: string[], k1 = 1.2, b = 0.75): number[] {
  const terms = [...new Set(tokens(query))];
  const tfs = docs.map((d) => {
    const tf = new Map<string, number>();
    for (const t of tokens(d)) tf.set(t, (tf.get(t) ?? 0) + 1);
    return tf;
  });
  const lengths = tfs.map((tf) => [...tf.values()].reduce((a, c) => a + c, 0));
  const avg = lengths.reduce((a, c) => a + c, 0) / Math.max(1, docs.length);
  const df = new Map(terms.map((t) => [t, tfs.filter((tf) => tf.has(t)).length]));
  const scores = tfs.map((tf, i) => {
    let score = 0;
    for (const t of terms) {
      const f = tf.get(t) ?? 0;
      if (!f) continue;
      const n = df.get(t)!;
      const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
      score += (idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * lengths[i]!) / Math.max(avg, 1)));
    }
    return score;
  });
  return scores.map((s, i) => [s, i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]).map(([, i]) => i);
}

export async function bm25Files(gitDir: string, commit: string, query: string, maxChars: number): Promise<RetrievedFile[]> {
  const files = await repositoryFiles(gitDir, commit);
  // A file's path is part of its document, as in the paper's BM25 index.
  const order = bm25Rank(query, files.map((f) => `${f.path}\n${f.content}`));
  const out: RetrievedFile[] = [];
  let used = 0;
  for (const i of order) {
    const f = files[i]!;
    if (used + f.content.length > maxChars) continue;
    out.push(f);
    used += f.content.length;
    if (used >= maxChars) break;
  }
  return out;
}
