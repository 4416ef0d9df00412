/**
 * The whole Repairity pipeline on real components: the teacher is the local Anthropic-compatible
 * server answering from the MBPP teacher responses, the sandbox is Docker, the store is the shared
 * MinIO (S3), training is the tiny model on CPU. The report's numbers are checked against the
 * artifacts they came from.
 */
import { describe, expect, it } from 'vitest';
import { findReportInStore } from '../../cli/commands/report.js';
import { expectReportMatchesArtifacts, runRepairity } from './repairity-run.js';
import { usePipelineEngine } from './services.js';
import { TINY_PARAMS } from './tiny-params.js';

describe('pipelines/repairity.yaml end to end', () => {
  const services = usePipelineEngine();

  it('runs every stage and reports the numbers of its artifacts', async () => {
    const { workflowId, out } = await runRepairity(services.engine, { ...TINY_PARAMS }, 'tiny');
    await expectReportMatchesArtifacts(services.store, out);
    // `repairity report <run>` finds it in the store by the run's workflow id
    const found = await findReportInStore(services.store, workflowId);
    expect(found?.html).toBe(`${String(out.report_location)}report.html`);
    expect((await services.store.read(found!.html)).toString()).toBe((await services.store.read(String(out.report))).toString());
    const html = (await services.store.read(String(out.report))).toString();
    expect(html).toContain('SFT+PPO');
    expect(html).not.toMatch(/<script|src="http/);
  }, 1_200_000);
});
