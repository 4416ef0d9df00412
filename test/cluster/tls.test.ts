/**
 * The client's and the workers' TLS and mTLS settings (TEMPORAL_TLS_*), through nginx terminating
 * TLS in front of the dev server: workers run as separate processes per queue (`repairity worker`)
 * over mTLS, the CLI runs a pipeline with a fan-out over TLS, and a client that lacks the CA or
 * the client certificate is refused with a message that says which setting to add.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runRepairity } from '../helpers/cli.js';
import { SERVER_NAME, startTlsProxy, type TlsProxy } from './tls-proxy.js';

let dir: string;
let proxy: TlsProxy;
const workers: ChildProcess[] = [];
const prefix = `tls${randomUUID().slice(0, 6)}-`;
const TLS_VARS = ['TEMPORAL_TLS', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'];

/** Runs a command in this process with these TLS settings in the environment (and no others). */
async function withTls<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(TLS_VARS.map((k) => [k, process.env[k]]));
  for (const k of TLS_VARS) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const k of TLS_VARS) delete process.env[k];
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

/** `repairity worker` as its own process, for one queue, over mTLS. */
function startWorker(args: string[]): Promise<ChildProcess> {
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: proxy.mtlsAddress,
    TEMPORAL_TLS_CA: proxy.ca,
    TEMPORAL_TLS_CERT: proxy.clientCert,
    TEMPORAL_TLS_KEY: proxy.clientKey,
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    REPAIRITY_QUEUE_PREFIX: prefix,
    REPAIRITY_STORE: `file://${path.join(dir, 'store')}`,
    REPAIRITY_DATA_ROOT: process.cwd(),
  };
  const child = spawn(process.execPath, ['bin/repairity.js', 'worker', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  workers.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      if (err.includes('repairity worker:')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${err.slice(-2000)}`)));
  });
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-tls-'));
  proxy = await startTlsProxy(dir, inject('temporalAddress'));
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
  await Promise.all(workers.filter((w) => w.exitCode === null).map((w) => new Promise((r) => w.once('exit', r))));
  await proxy?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('Temporal over TLS and mTLS', () => {
  it('runs a pipeline with a fan-out: per-queue worker processes over mTLS, the CLI over TLS', async () => {
    // The workflow worker with the claude queue, and the cpu queue's activities, in two processes.
    await Promise.all([startWorker(['--queues', 'claude']), startWorker(['--queues', 'cpu', '--no-workflows'])]);
    const r = await withTls({ TEMPORAL_TLS_CA: proxy.ca, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME }, () =>
      runRepairity(['run', 'pipelines/examples/sample-sweep.yaml', '--watch', '--address', proxy.tlsAddress, '--queue-prefix', prefix, '--param', 'limit=40']),
    );
    expect(r.error).toBeUndefined();
    const outputs = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).outputs;
    expect(outputs).toMatchObject({ loaded: 40, succeeded: 3, summary: 3 });
  }, 600_000);

  it('refuses a client without the CA, or without a client certificate where mTLS is on, saying what to set', async () => {
    const list = (address: string) => runRepairity(['runs', '--address', address, '--limit', '1']);
    const untrusted = await withTls({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_NAME: SERVER_NAME }, () => list(proxy.tlsAddress));
    expect(untrusted.error).toMatch(new RegExp(`cannot reach Temporal at ${proxy.tlsAddress}: .*set TEMPORAL_TLS_CA to the PEM file of the CA that signed it`, 's'));
    const wrongCa = await withTls({ TEMPORAL_TLS_CA: proxy.otherCa, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME }, () => list(proxy.tlsAddress));
    expect(wrongCa.error).toMatch(/TEMPORAL_TLS_CA is the CA that signed the server's certificate/);
    const plain = await withTls({}, () => list(proxy.tlsAddress));
    expect(plain.error).toMatch(/the server speaks TLS: set TEMPORAL_TLS=true/);
    const noCert = await withTls({ TEMPORAL_TLS_CA: proxy.ca, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME }, () => list(proxy.mtlsAddress));
    expect(noCert.error).toMatch(/requires client certificates \(mTLS\), set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/);
    const withCert = await withTls({ TEMPORAL_TLS_CA: proxy.ca, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME, TEMPORAL_TLS_CERT: proxy.clientCert, TEMPORAL_TLS_KEY: proxy.clientKey }, () => list(proxy.mtlsAddress));
    expect(withCert.error).toBeUndefined();
    const halfPair = await withTls({ TEMPORAL_TLS_CERT: proxy.clientCert }, () => list(proxy.mtlsAddress));
    expect(halfPair.error).toMatch(/TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/);
    for (const r of [untrusted, wrongCa, plain, noCert]) expect(`${r.stderr}${r.error}`).not.toMatch(/\n\s+at /);
  }, 120_000);
});
