/**
 * The Temporal dev server (the `temporal` CLI built from its Go module by `make`), started on
 * free ports through @temporalio/testing, with the Web UI.
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { RUN_ATTRIBUTES } from '../../../workflows/search-attributes.js';
import type { RunningService } from './types.js';

export function temporalBinary(): string {
  const explicit = process.env.REPAIRITY_TEMPORAL_BIN;
  if (explicit) return explicit;
  const cache = process.env.REPAIRITY_CACHE ?? path.join(os.homedir(), '.cache', 'repairity');
  return path.join(cache, 'bin', 'temporal');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startTemporal(): Promise<RunningService> {
  const executable = temporalBinary();
  if (!existsSync(executable)) {
    throw new Error(`Temporal CLI not found at ${executable}: run "make bootstrap" (it builds it from its Go module), or set REPAIRITY_TEMPORAL_BIN`);
  }
  const [port, uiPort] = [await freePort(), await freePort()];
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: executable },
      ip: '127.0.0.1',
      port,
      ui: true,
      uiPort,
      log: { format: 'pretty', level: 'error' },
      // As `repairity dev` registers them, so `repairity runs` can list and filter.
      searchAttributes: Object.values(RUN_ATTRIBUTES),
    },
  });
  return {
    provide: { temporalAddress: env.address, temporalUiAddress: `http://127.0.0.1:${uiPort}` },
    stop: () => env.teardown(),
  };
}
