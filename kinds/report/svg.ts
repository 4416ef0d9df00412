/** Small inline SVG charts (no scripts, no external resources): lines over iterations and grouped bars. */

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));

export interface Series {
  name: string;
  points: Array<{ x: number; y: number }>;
}

const W = 420;
const H = 220;
const PAD = { l: 48, r: 12, t: 28, b: 44 };

const textWidth = (s: string, size: number) => s.length * size * 0.6;

function frame(title: string, body: string, legend: string[]): string {
  let x = PAD.l;
  const items = legend
    .map((name, i) => {
      const item = `<g transform="translate(${x.toFixed(0)},${H - 6})"><rect width="10" height="10" y="-9" fill="${COLORS[i % COLORS.length]}"/><text x="14" font-size="11">${esc(name)}</text></g>`;
      x += 24 + textWidth(name, 11);
      return item;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}" font-family="system-ui, sans-serif"><rect width="${W}" height="${H}" fill="#fff"/><text x="${PAD.l}" y="17" font-size="13" font-weight="600">${esc(title)}</text>${body}${items}</svg>`;
}

function axes(min: number, max: number, xLabel: string): string {
  const y0 = H - PAD.b;
  const ticks = [min, (min + max) / 2, max]
    .map((v) => {
      const y = y0 - ((v - min) / (max - min || 1)) * (H - PAD.t - PAD.b);
      return `<text x="${PAD.l - 4}" y="${y + 4}" font-size="10" text-anchor="end">${fmt(v)}</text><line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`;
    })
    .join('');
  return `${ticks}<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y0}" y2="${y0}" stroke="#9ca3af"/><text x="${W - PAD.r}" y="${y0 + 24}" font-size="10" text-anchor="end" fill="#6b7280">${esc(xLabel)}</text>`;
}

/** Labels under the x axis: the first, middle and last x (whole numbers: steps, iterations). */
function xTicks(minX: number, maxX: number, sx: (x: number) => number): string {
  const xs = [...new Set([minX, Math.round((minX + maxX) / 2), maxX])];
  const anchor = (x: number) => (x === minX ? 'start' : x === maxX ? 'end' : 'middle');
  return xs.map((x) => `<text x="${sx(x).toFixed(1)}" y="${H - PAD.b + 12}" font-size="10" text-anchor="${anchor(x)}">${Number.isInteger(x) ? x : fmt(x)}</text>`).join('');
}

/**
 * A line chart of one or more series over a shared x axis. A series with one point beside others
 * with many (a value measured once, e.g. held-out accuracy after training) is a dashed level line
 * labelled with its value; a chart whose only data is one point shows that point and its value.
 */
export function lineChart(title: string, series: Series[], xLabel = 'iteration'): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return frame(title, `<text x="${W / 2}" y="${H / 2}" font-size="12" text-anchor="middle" fill="#6b7280">no data</text>`, []);
  let [minY, maxY] = [Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y))];
  if (minY === maxY) [minY, maxY] = [minY - 0.5, maxY + 0.5];
  const [minX, maxX] = [Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x))];
  const sx = (x: number) => PAD.l + ((x - minX) / (maxX - minX || 1)) * (W - PAD.l - PAD.r);
  const sy = (y: number) => H - PAD.b - ((y - minY) / (maxY - minY)) * (H - PAD.t - PAD.b);
  const body = series
    .map((s, i) => {
      const color = COLORS[i % COLORS.length];
      if (s.points.length === 1) {
        const p = s.points[0]!;
        const label = `<text x="${W - PAD.r - 2}" y="${(sy(p.y) - 4).toFixed(1)}" font-size="10" text-anchor="end" fill="${color}">${fmt(p.y)}</text>`;
        if (minX === maxX) return `<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="4" fill="${color}"/>${label}`;
        return `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${sy(p.y).toFixed(1)}" y2="${sy(p.y).toFixed(1)}" stroke="${color}" stroke-width="2" stroke-dasharray="6 4"/>${label}`;
      }
      const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
      const dots = s.points.length <= 30 ? s.points.map((p) => `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="2.5" fill="${color}"/>`).join('') : '';
      return `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>${dots}`;
    })
    .join('');
  return frame(title, axes(minY, maxY, xLabel) + xTicks(minX, maxX, sx) + body, series.map((s) => s.name));
}

/** Grouped bars: one group per category, one bar per series (values in [0, 1] shown as %). */
export function barChart(title: string, categories: string[], series: Array<{ name: string; values: Array<number | null> }>): string {
  if (categories.length === 0) return frame(title, '', []);
  const max = Math.max(1e-9, ...series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const top = max <= 1 ? 1 : max;
  const groupW = (W - PAD.l - PAD.r) / categories.length;
  const barW = Math.max(4, (groupW * 0.8) / Math.max(1, series.length));
  const y0 = H - PAD.b;
  let body = axes(0, top, '');
  categories.forEach((c, gi) => {
    const gx = PAD.l + gi * groupW + groupW * 0.1;
    series.forEach((s, si) => {
      const v = s.values[gi] ?? 0;
      const h = (v / top) * (H - PAD.t - PAD.b);
      const x = gx + si * barW;
      const shown = s.values[gi] === null || s.values[gi] === undefined ? '–' : top === 1 ? `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%` : fmt(v);
      body += `<rect x="${x.toFixed(1)}" y="${(y0 - h).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${c} ${s.name}: ${shown}`)}</title></rect>`;
      body += `<text x="${(x + (barW - 2) / 2).toFixed(1)}" y="${(y0 - h - 3).toFixed(1)}" font-size="9" text-anchor="middle">${shown}</text>`;
    });
    body += `<text x="${(gx + (groupW * 0.8) / 2).toFixed(1)}" y="${y0 + 13}" font-size="10" text-anchor="middle">${esc(c)}</text>`;
  });
  return frame(title, body, series.map((s) => s.name));
}
