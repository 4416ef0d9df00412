/** Markdown and self-contained HTML renderings of the report content. */
import type { ReportContent } from './content.js';
import { barChart, lineChart } from './svg.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function cell(v: unknown, percent: boolean): string {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'number') return String(v);
  return percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(2);
}

function tableRows(c: ReportContent, rows: ReportContent['table'], first: string): { head: string[]; body: string[][] } {
  const head = [first, 'tasks', ...c.columns.map((col) => col.label)];
  const body = rows.map((r) => [String(r.model), String(r.tasks), ...c.columns.map((col) => cell(r[col.key], col.percent))]);
  return { head, body };
}

/** The benchmark table: the results columns, then the gap to the teacher and the share of the base model's gap closed. */
function benchmarkRows(c: ReportContent): { head: string[]; body: string[][] } {
  const rows = c.benchmark?.table ?? [];
  const { head, body } = tableRows(c, rows, 'model');
  return {
    head: [...head, 'gap to teacher (pass@1)', 'gap closed'],
    body: body.map((r, i) => {
      const gap = rows[i]!.gap;
      return [...r, typeof gap === 'number' ? `${(gap * 100).toFixed(1)} pts` : '–', cell(rows[i]!.gapClosed, true)];
    }),
  };
}

const BENCH_NOTE = "The paper's protocol: every model, and the teacher, on the benchmark's own evaluation tasks; gap = teacher pass@1 − model pass@1 (Eq. 2), gap closed = the share of the base model's gap.";
const HELD_OUT = "Results on the held-out split (the method's 15% test split of the teacher data)";

function mdTable({ head, body }: { head: string[]; body: string[][] }): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function htmlTable({ head, body }: { head: string[]; body: string[][] }): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((v, i) => (i === 0 ? `<th>${esc(v)}</th>` : `<td>${esc(v)}</td>`)).join('')}</tr>`).join('')}</tbody></table>`;
}

function comparisonRows(c: ReportContent): { head: string[]; body: string[][] } {
  return {
    head: ['comparison', 'tasks', 'only A resolves', 'only B resolves', 'McNemar p (exact)', 'Δ pass@1 (B − A)', 'bootstrap p', '95% CI'],
    body: c.comparisons.map((r) => {
      const ci = Array.isArray(r.ci95) ? (r.ci95 as number[]) : [];
      return [
        `${String(r.labelA)} → ${String(r.labelB)}`,
        String(r.tasks),
        String(r.onlyA),
        String(r.onlyB),
        Number(r.mcnemarP).toFixed(3),
        `${(Number(r.delta) * 100).toFixed(1)} pts`,
        Number(r.bootstrapP).toFixed(3),
        ci.length === 2 ? `[${(ci[0]! * 100).toFixed(1)}, ${(ci[1]! * 100).toFixed(1)}] pts` : '–',
      ];
    }),
  };
}

/**
 * Every model of the benchmark table, the held-out table's models (marked) and the ablation rows
 * that are not already a benchmark row (the full method and SFT only are bench_ppo and bench_sft).
 */
function chartRows(c: ReportContent): ReportContent['table'] {
  const bench = c.benchmark?.table ?? [];
  const key = (r: ReportContent['table'][number]) => JSON.stringify(c.columns.map((col) => r[col.key]));
  const seen = new Set(bench.map(key));
  const heldOut = c.table.map((r) => ({ ...r, model: bench.length > 0 ? `${String(r.model)} (held-out)` : String(r.model) }));
  const ablations = c.ablationTable.filter((r) => !seen.has(key(r)));
  return [...bench, ...heldOut, ...ablations];
}

function passRateChart(c: ReportContent): string {
  const rows = chartRows(c);
  return barChart('Pass rates per model and variant', rows.map((r) => String(r.model)), [
    { name: 'pass@1', values: rows.map((r) => (typeof r.passAt1 === 'number' ? r.passAt1 : null)) },
    { name: 'compilation', values: rows.map((r) => (typeof r.compilationRate === 'number' ? r.compilationRate : null)) },
    { name: 'resolved', values: rows.map((r) => (typeof r.resolvedRate === 'number' ? r.resolvedRate : null)) },
  ]);
}

function dataLines(c: ReportContent): string[] {
  return Object.entries(c.data).map(([k, v]) => `${k}: ${v ?? '–'}`);
}

export function renderMarkdown(c: ReportContent, charts: { file: string; title: string }[] = []): string {
  const out = [`# ${c.title}`, '', `Run \`${c.runId}\`${c.pipeline ? ` of pipeline \`${c.pipeline}\`` : ''}, ${c.createdAt}.`, ''];
  if (c.benchmark) out.push(`## Results on ${c.benchmark.label}`, '', BENCH_NOTE, '', mdTable(benchmarkRows(c)), '');
  if (c.table.length > 0) out.push(`## ${c.benchmark ? HELD_OUT : 'Results on the test split'}`, '', mdTable(tableRows(c, c.table, 'model')), '');
  if (c.comparisons.length > 0) out.push('## Significance (paired, same tasks)', '', mdTable(comparisonRows(c)), '');
  if (c.ablationTable.length > 0) out.push('## Ablations', '', mdTable(tableRows(c, c.ablationTable, 'variant')), '');
  const stages = Object.entries(c.training);
  if (stages.length > 0) {
    out.push('## Training', '');
    for (const [name, s] of stages) {
      const last = Object.entries(s.metrics).map(([k, v]) => `${k} ${typeof v === 'number' ? Number(v.toPrecision(4)) : String(v)}`).join(', ');
      out.push(`- **${name}**: ${s.history.length > 0 ? `${s.history.length} logged iterations; ` : ''}last: ${last || '–'}`);
    }
    out.push('');
  }
  for (const ch of charts) out.push(`![${ch.title}](${ch.file})`);
  if (charts.length > 0) out.push('');
  if (Object.keys(c.data).length > 0) out.push('## Data', '', ...dataLines(c).map((l) => `- ${l}`), '');
  if (c.params) out.push('## Params', '', '```json', JSON.stringify(c.params, null, 2), '```', '');
  return out.join('\n');
}

export function renderCharts(c: ReportContent): Array<{ name: string; title: string; svg: string; note?: string }> {
  const charts = c.curves.map((cv, i) => ({
    name: `chart-${i + 1}.svg`,
    title: cv.title,
    svg: lineChart(cv.title, cv.series, cv.xLabel),
    ...(cv.finalOnly ? { note: 'final value only: the training step did not report a per-iteration history' } : {}),
  }));
  charts.push({ name: `chart-${charts.length + 1}.svg`, title: 'Pass rates per model and variant', svg: passRateChart(c) });
  return charts;
}

const CSS = `body{font-family:system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#111827}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #d1d5db;padding:.3rem .6rem;text-align:right}
thead th{background:#f3f4f6}tbody th{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0}figcaption{font-size:.8rem;color:#6b7280;max-width:420px}code{background:#f3f4f6;padding:0 .2rem}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8rem}`;

export function renderHtml(c: ReportContent): string {
  const parts = [`<h1>${esc(c.title)}</h1>`, `<p>Run <code>${esc(c.runId)}</code>${c.pipeline ? ` of pipeline <code>${esc(c.pipeline)}</code>` : ''}, ${esc(c.createdAt)}.</p>`];
  if (c.benchmark) parts.push(`<h2>Results on ${esc(c.benchmark.label)}</h2>`, `<p>${esc(BENCH_NOTE)}</p>`, htmlTable(benchmarkRows(c)));
  if (c.table.length > 0) parts.push(`<h2>${c.benchmark ? HELD_OUT : 'Results on the test split'}</h2>`, htmlTable(tableRows(c, c.table, 'model')));
  if (c.comparisons.length > 0) parts.push('<h2>Significance (paired, same tasks)</h2>', htmlTable(comparisonRows(c)));
  if (c.ablationTable.length > 0) parts.push('<h2>Ablations</h2>', htmlTable(tableRows(c, c.ablationTable, 'variant')));
  parts.push('<h2>Charts</h2>', `<div class="charts">${renderCharts(c).map((ch) => `<figure>${ch.svg}${ch.note ? `<figcaption>${esc(ch.note)}</figcaption>` : ''}</figure>`).join('')}</div>`);
  if (Object.keys(c.data).length > 0) parts.push('<h2>Data</h2>', `<ul>${dataLines(c).map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`);
  if (c.params) parts.push('<h2>Params</h2>', `<pre>${esc(JSON.stringify(c.params, null, 2))}</pre>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(c.title)}</title><style>${CSS}</style></head><body>${parts.join('\n')}</body></html>\n`;
}
