import { describe, expect, it } from 'vitest';
import { demoLine, parseSetupLog, stepTimes, timeLines } from '../../cli/demo-summary.js';

describe('the demo summary', () => {
  it("prints one line from the report's numbers, and each step's wall time", () => {
    const report = {
      table: [{ model: 'base', tasks: 51, passAt1: 0.0784 }, { model: 'SFT', tasks: 51, passAt1: 0.1176 }, { model: 'SFT+PPO', tasks: 51, passAt1: 0.1372 }],
      training: { reward: { metrics: { eval_accuracy: 0.6341, eval_pairs: 41 } } },
    };
    expect(demoLine(12.34 * 60_000, report)).toBe('demo: pipeline 12.3 min, base/SFT/SFT+PPO pass@1 7.8%/11.8%/13.7% on 51 tasks, reward-model accuracy 0.63 on 41 pairs');
    // The benchmark table wins over the held-out one; its teacher row (no gap to itself) is left out
    const bench = {
      table: [{ model: 'base', tasks: 9, passAt1: 0.1 }],
      benchmark: { label: 'mbpp, test split', table: [
        { model: 'base', tasks: 50, passAt1: 0.04, gap: 0.76 }, { model: 'SFT', tasks: 50, passAt1: 0.1, gap: 0.7 },
        { model: 'SFT+PPO', tasks: 50, passAt1: 0.12, gap: 0.68 }, { model: 'teacher', tasks: 50, passAt1: 0.8, gap: null },
      ] },
    };
    expect(demoLine(60_000, bench)).toBe('demo: pipeline 1.0 min, base/SFT/SFT+PPO pass@1 4.0%/10.0%/12.0% on 50 tasks, reward-model accuracy n/a on 0 pairs');
    expect(demoLine(60_000, { table: [{ model: 'base', tasks: 0, passAt1: null }] })).toBe('demo: pipeline 1.0 min, base pass@1 n/a on 0 tasks, reward-model accuracy n/a on 0 pairs');
    const step = (id: string, startedAt?: string, endedAt?: string) => ({ id, uses: 'x', state: 'succeeded' as const, usage: { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 }, startedAt, endedAt });
    expect(stepTimes([step('data', '2026-01-01T00:00:00Z', '2026-01-01T00:00:42Z'), step('rl', '2026-01-01T00:01:00Z', '2026-01-01T00:07:30Z'), step('report')])).toEqual(['  data         42 s', '  rl           6.5 min']);
    // Skipped steps are left out; a long id widens the column
    const skipped = { ...step('sft_no_filter_long', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), state: 'skipped' as const };
    expect(stepTimes([step('data', '2026-01-01T00:00:00Z', '2026-01-01T00:00:42Z'), skipped, step('bench_teacher_x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:03Z')])).toEqual(['  data            42 s', '  bench_teacher_x 3 s']);
  });
});

describe('where the demo\'s time went', () => {
  const step = (id: string, startedAt: string, endedAt: string) => ({ id, uses: 'x', state: 'succeeded' as const, usage: { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 }, startedAt, endedAt });
  const steps = [step('data', '2026-01-01T00:00:00Z', '2026-01-01T00:00:09Z')];

  it("reads make's set-up log, skipping what is not a label and seconds", () => {
    expect(parseSetupLog("npm install\t28.4\nthe Docker engine\t0.1\nbroken line\n\tx\nthe sandbox image (python)\t301.0\nneg\t-1\n")).toEqual([
      { label: 'npm install', seconds: 28.4 },
      { label: 'the Docker engine', seconds: 0.1 },
      { label: 'the sandbox image (python)', seconds: 301 },
    ]);
  });

  it('lists the set-up steps longest first, then the services and the pipeline by step', () => {
    const setup = parseSetupLog('npm install\t28.4\nthe Docker engine\t0.1\nthe sandbox image (python)\t301.0\n');
    expect(timeLines({ setup, servicesMs: 20_000, pipelineMs: 13.9 * 60_000, steps })).toEqual([
      'where the time went: 19.7 min in all',
      '  set-up (make)   5.5 min',
      '    the sandbox image (python)  5.0 min',
      '    npm install                 28 s',
      '    (1 more, under a second each)',
      '  services        20 s (Temporal dev server, workers, teacher; reading the results)',
      '  pipeline        13.9 min (wall time per step; some run side by side)',
      '    data         9 s',
    ]);
  });

  it('says when make had nothing to build, and leaves set-up out without make', () => {
    expect(timeLines({ setup: parseSetupLog('the Docker engine\t0.2\n'), servicesMs: 5_000, pipelineMs: 60_000, steps })[1]).toBe('  set-up (make)   0 s (everything was built before)');
    expect(timeLines({ servicesMs: 5_000, pipelineMs: 60_000, steps })).toEqual([
      'where the time went: 1.1 min in all',
      '  services        5 s (Temporal dev server, workers, teacher; reading the results)',
      '  pipeline        1.0 min (wall time per step; some run side by side)',
      '    data         9 s',
    ]);
  });
});
