/**
 * `report.build`: writes report.md, report.html (self-contained), report.json and the charts as
 * SVG files, content-addressed and under `reports/<run>/` (stable names, found by
 * `repairity report <run>`).
 */
import { buildContent, type ReportInput } from './content.js';
import { renderCharts, renderHtml, renderMarkdown } from './render.js';
import type { KindImpl } from '../define.js';
import type { buildSpec } from './specs.js';

/** The store folder of a run's report: `reports/<workflow id>/` (a workflow id is a run's name in Temporal). */
export function reportFolder(runId: string): string {
  const workflowId = runId.split('@')[0]!;
  return `reports/${workflowId.replace(/[^A-Za-z0-9._-]+/g, '_')}/`;
}

export function createBuildStep(now: () => Date = () => new Date()): KindImpl<typeof buildSpec> {
  return async (input, ctx) => {
    const content = await buildContent(ctx.store, input, ctx.runId, now());
    const charts = renderCharts(content);
    const meta = { run: ctx.runId, step: ctx.stepId };
    const folder = reportFolder(ctx.runId);
    const markdown = renderMarkdown(content, charts.map((c) => ({ file: c.name, title: c.title })));
    const html = renderHtml(content);
    const json = JSON.stringify(content, null, 2);
    for (const ch of charts) await ctx.store.put(`${folder}${ch.name}`, ch.svg, { mediaType: 'image/svg+xml', ...meta });
    await ctx.store.put(`${folder}report.md`, markdown, { mediaType: 'text/markdown', ...meta });
    await ctx.store.put(`${folder}report.html`, html, { mediaType: 'text/html', ...meta });
    await ctx.store.put(`${folder}report.json`, json, { mediaType: 'application/json', ...meta });
    const refs = await Promise.all([
      ctx.store.putContent(html, { mediaType: 'text/html', ...meta }),
      ctx.store.putContent(markdown, { mediaType: 'text/markdown', ...meta }),
      ctx.store.putContent(json, { mediaType: 'application/json', ...meta }),
    ]);
    // stores normalise a key's trailing slash away: the folder URI gets it back, so `${location}report.html` works
    return { html: refs[0].uri, markdown: refs[1].uri, json: refs[2].uri, location: `${ctx.store.uriOf(folder.slice(0, -1))}/` };
  };
}
