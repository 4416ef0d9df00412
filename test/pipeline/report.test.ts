import { describe, expect, it } from 'vitest';
import { gapToTeacher } from '../../kinds/eval/gap.js';
import type { Metrics } from '../../kinds/eval/metrics.js';
import { createReportSteps, reportFolder } from '../../kinds/report/index.js';
import { barChart, lineChart } from '../../kinds/report/svg.js';
import { putRows, stepContext, tempStore } from './context.js';

const metrics = (model: string, p: number): Metrics => ({ model, tasks: 10, samples: 10, passAt1: p, passAtK: { '1': p }, accuracy: p, compilationRate: 0.9, bleu: 42.5, resolvedRate: p });

describe('report.build', () => {
  it('writes Markdown, self-contained HTML with SVG charts, and the numbers as JSON, under reports/<run>/', async () => {
    const { store } = await tempStore();
    const ctx = { ...stepContext(store, 'report'), runId: 'repairity-demo-1@abc' };
    const history = await putRows(store, [1, 2, 3].map((step) => ({ step, loss: 3 - step * 0.5 })));
    const out = await createReportSteps()['report.build']!(
      {
        title: 'Test run',
        pipeline: 'repairity',
        models: [metrics('base', 0.1), metrics('sft', 0.3), metrics('sft+ppo', 0.35)],
        comparisons: [{ labelA: 'base', labelB: 'sft', tasks: 10, onlyA: 0, onlyB: 2, mcnemarP: 0.5, delta: 0.2, bootstrapP: 0.2, ci95: [0, 0.4] }, null],
        ablations: [{ variant: 'direct-output', metrics: metrics('direct-output', 0.2) }, null],
        training: { sft: { metrics: { loss: 1.5 }, history }, reward: { metrics: { accuracy: 0.6, eval_accuracy: 0.55 } }, ppo: { metrics: { mean_reward: 0.1, kl: 0.02 }, history: [{ step: 1, mean_reward: 0, kl: 0 }, { step: 2, mean_reward: 0.1, kl: 0.02 }] } },
        data: { tasks: 90, verified: 70, train: 7 },
      },
      ctx,
    );
    expect(out.location).toBe(`${store.uriOf('reports/repairity-demo-1')}/`);
    expect((await store.read(`${out.location}report.md`)).toString()).toContain('# Test run');
    expect(reportFolder('a b/c@x')).toBe('reports/a_b_c/');
    const html = (await store.read('reports/repairity-demo-1/report.html')).toString();
    expect((await store.read(out.html)).toString()).toBe(html);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect((html.match(/<svg /g) ?? []).length).toBe(5);
    expect(html).toContain('<th>sft+ppo</th>');
    expect(html).toContain('35.0%');
    const md = (await store.read('reports/repairity-demo-1/report.md')).toString();
    expect(md).toContain('| sft | 10 | 30.0% | 30.0% | 90.0% | 42.50 | 30.0% |');
    expect(md).toContain('## Ablations');
    expect(md).toContain('| base → sft | 10 | 0 | 2 | 0.500 | 20.0 pts | 0.200 | [0.0, 40.0] pts |');
    const json = JSON.parse((await store.read(out.json)).toString());
    expect(json.table[2]).toMatchObject({ model: 'sft+ppo', passAt1: 0.35, bleu: 42.5 });
    expect(json.training.sft.history).toHaveLength(3);
    expect(json.curves[0]).toMatchObject({ title: 'SFT loss', finalOnly: false });
    expect(json.curves[1]).toMatchObject({ title: 'Reward-model accuracy', finalOnly: true });
    expect((await store.read('reports/repairity-demo-1/chart-1.svg')).toString()).toMatch(/^<svg[\s\S]*<path d="M/);
    expect(json.benchmark).toBeNull();
    expect(md).toContain('## Results on the test split');
  });

  it("puts the benchmark table first, with the teacher's row, the gap and the share of it closed", async () => {
    const { store } = await tempStore();
    const ctx = { ...stepContext(store, 'report'), runId: 'repairity-bench-1@abc' };
    const out = await createReportSteps()['report.build']!(
      {
        models: [metrics('base', 0.1)],
        benchmark: { label: 'mbpp, test split', models: [metrics('base', 0.5), metrics('SFT', 0.6), metrics('SFT+PPO', 0.75)], teacher: metrics('Claude (teacher)', 0.8) },
      },
      ctx,
    );
    const md = (await store.read(out.markdown)).toString();
    expect(md.indexOf('## Results on mbpp, test split')).toBeLessThan(md.indexOf('## Results on the held-out split'));
    expect(md).toContain('| SFT+PPO | 10 | 75.0% | 75.0% | 90.0% | 42.50 | 75.0% | 5.0 pts | 83.3% |');
    expect(md).toContain('| Claude (teacher) | 10 | 80.0% | 80.0% | 90.0% | 42.50 | 80.0% | – | – |');
    const json = JSON.parse((await store.read(out.json)).toString());
    expect(json.benchmark.table.map((r: { model: string }) => r.model)).toEqual(['base', 'SFT', 'SFT+PPO', 'Claude (teacher)']);
    expect(json.benchmark.table[0].gap).toBeCloseTo(0.3, 12);
    expect(json.benchmark.table[0].gapClosed).toBe(0);
  });
});

describe('gapToTeacher (Eq. 2)', () => {
  it('is teacher minus model pass@1, and the share of the first model\'s gap closed', () => {
    const rows = gapToTeacher([metrics('base', 0.5), metrics('ppo', 0.9)], metrics('teacher', 0.8));
    expect(rows[1]!.gap).toBeCloseTo(-0.1, 12);
    expect(rows[1]!.closed).toBeCloseTo(4 / 3, 12);
    expect(gapToTeacher([metrics('base', 0.8)], metrics('teacher', 0.8))[0]!.closed).toBeNull();
    expect(gapToTeacher([metrics('base', 0.5)], null)[0]).toEqual({ model: 'base', gap: null, closed: null });
  });
});

describe('report charts', () => {
  it('draw a value measured once beside a curve as a labelled level line, and label steps and bars', () => {
    const svg = lineChart('Reward-model accuracy', [
      { name: 'train', points: [1, 2, 3, 4].map((x) => ({ x, y: x / 8 })) },
      { name: 'held-out, 41 pairs', points: [{ x: 4, y: 0.56 }] },
    ], 'step');
    expect(svg).toMatch(/<path d="M[^"]+L[^"]+"/); // the curve
    expect(svg).toMatch(/<line [^>]*stroke-dasharray="6 4"\/><text [^>]*>0\.560<\/text>/); // the level line and its value
    expect(svg).not.toMatch(/<circle [^>]*r="4"/); // no lone dot
    expect(svg).toContain('>held-out, 41 pairs</text>');
    for (const tick of ['>1</text>', '>4</text>', '>step</text>']) expect(svg).toContain(tick);
    expect(lineChart('PPO reward', [{ name: 'mean reward', points: [{ x: 1, y: 0.25 }] }])).toMatch(/<circle [^>]*r="4"[^>]*\/><text [^>]*>0\.250<\/text>/);
    const bars = barChart('Pass rates', ['base', 'SFT'], [{ name: 'pass@1', values: [0.074, null] }]);
    expect(bars).toContain('>7.4%</text>');
    expect(bars).toContain('>–</text>');
  });
});
