/**
 * A real MLflow tracking server for tests (SQLite backend, artifacts served by the server), from
 * the tool environment `make mlflow` builds (REPAIRITY_MLFLOW_BIN, else the cache's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../dev-services/free-port.js';
import { loadSettings } from '../../worker/settings.js';

export function mlflowBin(): string | undefined {
  const bin = process.env.REPAIRITY_MLFLOW_BIN ?? path.join(loadSettings().defaults.cacheDir, 'mlflow-venv', 'bin', 'mlflow');
  return fs.existsSync(bin) ? bin : undefined;
}

export interface MlflowServer {
  url: string;
  get<T>(apiPath: string): Promise<T>;
  post<T>(apiPath: string, body: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startMlflow(bin: string, dir: string, startupMs = 300_000): Promise<MlflowServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(bin, ['server', '--backend-store-uri', `sqlite:///${path.join(dir, 'mlflow.db')}`, '--artifacts-destination', path.join(dir, 'artifacts'), '--host', '127.0.0.1', '--port', String(port), '--workers', '1'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group: the server's workers are its children, stopped with it.
    detached: true,
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}: ${log}`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() - started > startupMs) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`mlflow server did not answer within ${startupMs} ms: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const call = async <T>(method: string, apiPath: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${apiPath}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    if (!res.ok) throw new Error(`${method} ${apiPath}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    url,
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
      try {
        // Helpers that outlive it (its job consumer).
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // None left.
      }
      // Until its port answers no more.
      while (await fetch(`${url}/health`).then(() => true, () => false)) await new Promise((r) => setTimeout(r, 200));
    },
  };
}
