import { describe, expect, it } from 'vitest';
import { compilePipeline, formatDiagnostics, toMermaid } from '../../compiler/index.js';
import { testCatalog } from './catalog.js';

describe('toMermaid', () => {
  it('draws steps, dependencies, forEach and if', () => {
    const result = compilePipeline(
      `name: g
steps:
  load: { uses: test.load, with: { path: x } }
  each:
    uses: test.echo
    forEach: \${{ steps.load.outputs.items }}
    concurrency: 4
    with: { text: "\${{ item.name }}" }
  check:
    uses: test.echo
    if: steps.each.outputs.failed == 0
  my-step: { uses: test.echo, needs: [load, check] }
`,
      { file: 'g.yaml', catalog: testCatalog },
    );
    if (!result.ok) throw new Error(formatDiagnostics(result.diagnostics));
    expect(toMermaid(result.plan)).toBe(
      [
        'flowchart TD',
        '  s_load["load<br/>test.load"]',
        '  s_each[/"each<br/>test.echo<br/>forEach (×4 at once)"/]:::forEach',
        '  s_check{{"check<br/>test.echo<br/>if: steps.each.outputs.failed == 0"}}:::conditional',
        '  s_my_step["my-step<br/>test.echo"]',
        '  s_load --> s_each',
        '  s_each --> s_check',
        '  s_check --> s_my_step',
        '  s_load --> s_my_step',
        '  classDef forEach fill:#e8f0fe,stroke:#4a6fd1',
        '  classDef conditional fill:#fff4e0,stroke:#d19a4a,stroke-dasharray: 4 2',
        '',
      ].join('\n'),
    );
  });

  it('escapes quotes and angle brackets in labels', () => {
    const result = compilePipeline(`name: g\nsteps:\n  a:\n    uses: test.echo\n    if: "'<b> \\"q\\"' != ''"\n`, { file: 'g.yaml', catalog: testCatalog });
    if (!result.ok) throw new Error(formatDiagnostics(result.diagnostics));
    const text = toMermaid(result.plan);
    expect(text).toContain(`if: '#lt;b#gt; #quot;q#quot;' != ''`);
    expect(text).not.toMatch(/<b>/);
  });
});
