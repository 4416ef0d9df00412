import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { TransientError } from '../core/errors.js';
import { connectionSecurity, explainConnectionFailure } from '../core/temporal-tls.js';
import { checkTemporal, probeTcp } from './temporal-probe.js';
import { loadDefaults, loadSettings } from '../worker/settings.js';

export interface ConnectionFlags {
  address: string;
  namespace: string;
  queuePrefix: string;
}

/** Adds the connection flags, with defaults from the environment (see docs/operations.md). */
export function withConnectionFlags(cmd: Command): Command {
  const d = loadDefaults();
  return cmd
    .option('--address <host:port>', 'Temporal frontend address (env TEMPORAL_ADDRESS)', d.temporalAddress)
    .option('--namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE)', d.namespace)
    .option('--queue-prefix <prefix>', 'prefix of task queue names (env REPAIRITY_QUEUE_PREFIX)', d.queuePrefix);
}

const HINT = 'Start a dev server with "repairity dev" (or "temporal server start-dev"), or point --address / TEMPORAL_ADDRESS at your cluster.';

export async function connectClient(flags: ConnectionFlags): Promise<{ client: Client; close(): Promise<void> }> {
  // TLS and API key come from the environment only (files and secrets stay off the command line).
  const security = loadSettings().temporalSecurity;
  await probeTcp(flags.address, HINT);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: flags.address, connectTimeout: '5s', ...connectionSecurity(security) });
  } catch (err) {
    throw new TransientError(`cannot reach Temporal at ${flags.address}: ${await explainConnectionFailure(flags.address, (err as Error).message, security)}.`);
  }
  try {
    await checkTemporal(connection, flags.address, HINT);
  } catch (err) {
    await connection.close();
    throw err;
  }
  return { client: new Client({ connection, namespace: flags.namespace }), close: () => connection.close() };
}
