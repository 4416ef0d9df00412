/**
 * docs/repairity-method.md's paper-profile table is in step with pipelines/repairity.yaml: every
 * param has a row, every "default here" is the compiled pipeline's default, the prompts shown are
 * the pipeline's, and a prompt that the doc quotes from the paper contains the quotation. The
 * sub-pipelines' defaults agree with repairity.yaml's for the params they share.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipelineFile } from '../../compiler/index.js';

const root = path.resolve(import.meta.dirname, '../..');
const doc = fs.readFileSync(path.join(root, 'docs/repairity-method.md'), 'utf8');
const PROMPTS = ['trace_prompt', 'generate_prompt', 'judge_prompt'] as const;

function paramsOf(file: string): Record<string, { default?: unknown }> {
  const r = compilePipelineFile(path.join(root, 'pipelines', file), { root: path.join(root, 'pipelines') });
  if (!r.ok) throw new Error(`${file}: ${JSON.stringify(r.diagnostics)}`);
  return r.plan.params as Record<string, { default?: unknown }>;
}

/** The profile table's rows: the params of column 2 zipped with the defaults of column 4 (backticked). */
function profileRows(): Array<{ params: string[]; defaults: string[]; line: string }> {
  const section = doc.slice(doc.indexOf('## The paper profile'), doc.indexOf('### Prompts'));
  const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| § | Param or step |'));
  return rows.map((line) => {
    const cells = line.split(' | ');
    const ticks = (cell: string) => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);
    return { params: ticks(cells[1] ?? ''), defaults: ticks(cells[3] ?? ''), line };
  });
}

/** A documented default as the value it stands for: JSON where it parses ("[1]", "1.0", "true", '""'), else the text. */
function documented(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The lines of a Markdown section up to the next heading of the same or a higher level (headings inside fences do not count). */
function sectionBody(heading: string): string {
  const lines = doc.split('\n');
  const start = lines.indexOf(heading);
  expect(start, `docs/repairity-method.md has no "${heading}" heading`).toBeGreaterThan(0);
  const level = heading.indexOf(' ');
  let inFence = false;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    if (lines[i]!.startsWith('```')) inFence = !inFence;
    const m = /^(#+) /.exec(lines[i]!);
    if (!inFence && m && m[1]!.length <= level) {
      end = i;
      break;
    }
  }
  return lines.slice(start + 1, end).join('\n');
}

/** The subsection of a prompt: its status line(s) and its fenced text. */
function promptSection(name: string): { text: string; quotes: string[]; verified: boolean } {
  const body = sectionBody(`#### \`${name}\``);
  const fence = /```text\n([\s\S]*?)\n```/.exec(body);
  expect(fence, `${name}: no \`\`\`text block`).not.toBeNull();
  const quotes = body.split('\n').filter((l) => l.startsWith('> ')).map((l) => l.slice(2).trim());
  return { text: fence![1]!, quotes, verified: !/not verified|Not in the paper/.test(body) };
}

const words = (s: string) => s.replace(/\s+/g, ' ').trim();

describe("the paper profile (docs/repairity-method.md) and pipelines/repairity.yaml", () => {
  const params = paramsOf('repairity.yaml');

  it('has one row per param, and each default here is the pipeline default', () => {
    const all = profileRows();
    // a row with backticked defaults names params only (a typo would hide a param)
    for (const r of all.filter((r) => r.defaults.length > 0)) expect(r.params.filter((p) => !(p in params)), r.line).toEqual([]);
    const rows = all.filter((r) => r.params.length > 0 && r.params.every((p) => p in params));
    const documentedParams = rows.flatMap((r) => r.params);
    expect(Object.keys(params).filter((p) => !documentedParams.includes(p))).toEqual([]);
    for (const r of rows) {
      if (r.defaults.length === 0) {
        // prompts: their text is compared below
        expect(r.params.every((p) => (PROMPTS as readonly string[]).includes(p)), r.line).toBe(true);
        continue;
      }
      expect(r.defaults.length, `${r.line}: one default per param`).toBe(r.params.length);
      r.params.forEach((p, i) => expect(params[p]!.default, `${p} (${r.line})`).toEqual(documented(r.defaults[i]!)));
    }
  });

  it("lists each of the paper's internal contradictions with the choice made", () => {
    const contradictions = profileRows().filter((r) => /contradiction/.test(r.line));
    const named = contradictions.map((r) => r.line);
    for (const topic of ['`sft_lr`', '`sft_batch_size`', '`max_length`', 'precision', '`sft_epochs`', '974']) {
      expect(named.some((l) => l.includes(topic)), `no contradiction row for ${topic}`).toBe(true);
    }
  });

  it('shows the pipeline prompts, and any quotation of the paper is in its prompt', () => {
    for (const name of PROMPTS) {
      const section = promptSection(name);
      expect(words(section.text), name).toBe(words(String(params[name]!.default)));
      for (const q of section.quotes) expect(words(String(params[name]!.default))).toContain(words(q));
      // a prompt marked as the paper's verbatim text must carry the quotation
      if (section.verified) expect(section.quotes.length, `${name} is marked verified but quotes nothing`).toBeGreaterThan(0);
    }
  });

  it('the generation prompt does not speak of a bug, and the judge prompt is not repair-only', () => {
    expect(String(params.generate_prompt!.default)).not.toMatch(/bug|buggy|fix/i);
    expect(String(params.judge_prompt!.default)).not.toMatch(/buggy/i);
  });

  it("the sub-pipelines' defaults agree with repairity.yaml's for the params they share", () => {
    const alias: Record<string, Record<string, string>> = {
      'lib/sft.yaml': { lr: 'sft_lr', weight_decay: 'sft_weight_decay', warmup_steps: 'sft_warmup_steps', epochs: 'sft_epochs', batch_size: 'sft_batch_size', grad_accum: 'sft_grad_accum', target: 'sft_target' },
      'lib/evaluate.yaml': { temperature: 'eval_temperature', samples: 'eval_samples', k: 'eval_k' },
      'lib/evaluate-teacher.yaml': { temperature: 'eval_temperature', k: 'eval_k' },
    };
    // params whose meaning differs in the sub-pipeline: a resolved mode (not "auto"), new tasks per night
    const ownMeaning = new Set(['mode', 'nightly.yaml limit']);
    const files = ['lib/teacher-data.yaml', 'lib/sft.yaml', 'lib/rl.yaml', 'lib/evaluate.yaml', 'lib/evaluate-teacher.yaml', 'ablations/all.yaml', 'ablations/direct-output.yaml', 'ablations/no-filter.yaml', 'generalization.yaml', 'nightly.yaml'];
    const mismatches: string[] = [];
    for (const file of files) {
      for (const [name, spec] of Object.entries(paramsOf(file))) {
        const mine = alias[file]?.[name] ?? name;
        if (ownMeaning.has(name) || ownMeaning.has(`${file} ${name}`) || !(mine in params) || spec.default === undefined) continue;
        if (JSON.stringify(spec.default) !== JSON.stringify(params[mine]!.default)) mismatches.push(`${file} ${name}: ${JSON.stringify(spec.default)} vs repairity.yaml ${mine}: ${JSON.stringify(params[mine]!.default)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
