/** The shared Temporal dev server of a vitest run (dev-services/temporal.ts), on free ports, with the Web UI. */
import { startDevServer } from '../../../dev-services/temporal.js';
import type { RunningService } from './types.js';
import { loadSettings } from '../../../worker/settings.js';

/** The `temporal` CLI the tests run (`temporal workflow show`, …). */
export const temporalBinary = (): string => loadSettings().defaults.temporalBin;

export async function startTemporal(): Promise<RunningService> {
  const server = await startDevServer({ binary: temporalBinary() });
  return {
    provide: { temporalAddress: server.address, temporalUiAddress: server.uiAddress },
    stop: () => server.stop(),
  };
}
