/**
 * The embedded Temporal: the `temporal` CLI's dev server (SQLite, with the Web UI), started as a
 * child process when nothing answers at the configured address. Used by `repairity dev` and
 * `repairity demo`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { PermanentError, TransientError } from '../core/errors.js';
import { RUN_ATTRIBUTE_FLAGS } from '../workflows/search-attributes.js';

export interface DevServerOptions {
  /** Folder of the cached `temporal` binary ($REPAIRITY_CACHE/bin). */
  binDir: string;
  host?: string;
  port?: number;
  uiPort?: number;
  /** SQLite file that keeps runs across restarts. */
  dbFile: string;
  logFile: string;
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

export function temporalCliPath(binDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.REPAIRITY_TEMPORAL_BIN ?? path.join(binDir, 'temporal');
}

export async function ensureDevServer(opts: DevServerOptions): Promise<DevServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? 8233;
  const address = `${host}:${port}`;
  const uiAddress = `http://${host === '0.0.0.0' ? 'localhost' : host}:${uiPort}`;
  if (await answers(host, port)) return { address, uiAddress, reused: true, stop: async () => undefined };
  const bin = temporalCliPath(opts.binDir);
  if (!existsSync(bin)) throw new PermanentError(`the Temporal CLI is not at ${bin}: run "make bootstrap" (it builds it from its Go module), or set REPAIRITY_TEMPORAL_BIN`);
  await fs.mkdir(path.dirname(opts.dbFile), { recursive: true });
  const log = await fs.open(opts.logFile, 'a');
  const child: ChildProcess = spawn(bin, ['server', 'start-dev', '--ip', host, '--port', String(port), '--ui-port', String(uiPort), '--db-filename', opts.dbFile, '--log-level', 'warn', ...RUN_ATTRIBUTE_FLAGS.flatMap((a) => ['--search-attribute', a])], { stdio: ['ignore', log.fd, log.fd] });
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; i < 300 && !(await answers(host, port)); i++) {
    if (exited) throw new TransientError(`the Temporal dev server exited at start-up; see ${opts.logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // The frontend accepts connections a moment before the default namespace is ready.
  await new Promise((r) => setTimeout(r, 1000));
  return {
    address,
    uiAddress,
    reused: false,
    stop: async () => {
      if (!exited) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await log.close();
    },
  };
}
