/**
 * The embedded Temporal: the `temporal` CLI's dev server (SQLite, with the Web UI), started as a
 * child process. `ensureDevServer` reuses one that already answers at the address (`repairity dev`,
 * `repairity demo`); `startDevServer` always starts one, on free ports by default, in memory unless
 * given a database file (the tests and the benchmarks).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { PermanentError, TransientError } from '../core/errors.js';
import { RUN_ATTRIBUTE_FLAGS } from '../workflows/search-attributes.js';
import { freePort } from './free-port.js';

export interface DevServerOptions {
  /** The `temporal` CLI (settings: REPAIRITY_TEMPORAL_BIN, else $REPAIRITY_CACHE/bin/temporal). */
  binary: string;
  host?: string;
  /** Frontend port; default 7233 for ensureDevServer, a free one for startDevServer. */
  port?: number;
  /** Web UI port; default 8233 for ensureDevServer, a free one for startDevServer. */
  uiPort?: number;
  /** SQLite file that keeps runs across restarts; default: in memory, gone with the server. */
  dbFile?: string;
  /** Where the server's own log goes; default: nowhere. */
  logFile?: string;
  /** Namespace to wait for before returning. Default `default`. */
  namespace?: string;
}

export interface DevServer {
  address: string;
  uiAddress: string;
  /** True when a server was already running there and this process did not start it. */
  reused: boolean;
  stop(): Promise<void>;
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const uiAddressOf = (host: string, uiPort: number) => `http://${host === '0.0.0.0' ? 'localhost' : host}:${uiPort}`;

/** Reuses the server that answers at host:port, or starts one there. */
export async function ensureDevServer(opts: DevServerOptions): Promise<DevServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? 8233;
  if (await answers(host, port)) return { address: `${host}:${port}`, uiAddress: uiAddressOf(host, uiPort), reused: true, stop: async () => undefined };
  return startDevServer({ ...opts, host, port, uiPort });
}

/**
 * The dev server has one history shard, and each shard reads its queues of new tasks (a workflow
 * task or an activity to dispatch, a timer that fired, a run's visibility record) at most 20 times
 * a second by default (a limit sized for a cluster of many shards). Past a short burst every
 * dispatch then waits up to 50 ms: a 1,000-item fan-out that takes 60 ms took 200 ms, and every
 * step of a pipeline pays it. The dev server serves one machine, so the limit is lifted.
 */
export const DEV_DYNAMIC_CONFIG = ['history.transferProcessorMaxPollRPS=10000', 'history.timerProcessorMaxPollRPS=10000', 'history.visibilityProcessorMaxPollRPS=10000'];

/** The frontend accepts connections a moment before the namespace answers: wait for it. */
async function waitForNamespace(address: string, namespace: string, exited: () => boolean, logHint: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 10_000 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } catch (err) {
        if (exited()) throw new TransientError(`the Temporal dev server exited at start-up${logHint}`);
        if (attempt >= 300) throw new TransientError(`the Temporal dev server at ${address} has no namespace ${namespace} after 30 s (${(err as Error).message})${logHint}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await connection.close();
  }
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort());
  const uiPort = opts.uiPort ?? (await freePort());
  const address = `${host}:${port}`;
  if (!existsSync(opts.binary)) throw new PermanentError(`the Temporal CLI is not at ${opts.binary}: run "make bootstrap" (it builds it from its Go module), or set REPAIRITY_TEMPORAL_BIN`);
  if (opts.dbFile) await fs.mkdir(path.dirname(opts.dbFile), { recursive: true });
  const log = opts.logFile ? await fs.open(opts.logFile, 'a') : undefined;
  const args = ['server', 'start-dev', '--ip', host, '--port', String(port), '--ui-port', String(uiPort), '--log-level', opts.logFile ? 'warn' : 'error', ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []), ...RUN_ATTRIBUTE_FLAGS.flatMap((a) => ['--search-attribute', a]), ...DEV_DYNAMIC_CONFIG.flatMap((v) => ['--dynamic-config-value', v])];
  const child: ChildProcess = spawn(opts.binary, args, { stdio: ['ignore', log?.fd ?? 'ignore', log?.fd ?? 'ignore'] });
  let exited = false;
  child.once('exit', () => (exited = true));
  // An in-memory server never outlives the process that started it (a crashed test run leaves none behind).
  const reap = () => child.kill('SIGKILL');
  if (!opts.dbFile) {
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
  }
  const logHint = opts.logFile ? `; see ${opts.logFile}` : '';
  try {
    for (let i = 0; i < 300 && !(await answers(host, port)); i++) {
      if (exited) throw new TransientError(`the Temporal dev server exited at start-up${logHint}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitForNamespace(address, opts.namespace ?? 'default', () => exited, logHint);
  } catch (err) {
    child.kill('SIGKILL');
    await log?.close();
    throw err;
  }
  return {
    address,
    uiAddress: uiAddressOf(host, uiPort),
    reused: false,
    stop: async () => {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      await log?.close();
    },
  };
}
