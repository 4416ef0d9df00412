/**
 * MinIO, the S3-compatible server the artifact store is tested and benchmarked against (built
 * from its Go module by `make minio`; settings: REPAIRITY_MINIO_BIN). `startMinio` runs one on a
 * free loopback port with a temporary data folder, and can kill and restart it (fault tests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { PermanentError, TransientError } from '../core/errors.js';
import { freePort } from './free-port.js';

export interface MinioServer {
  endpoint: string;
  port: number;
  dataDir: string;
  accessKey: string;
  secretKey: string;
  /** A client with these credentials (path-style, loopback). */
  client(): S3Client;
  createBucket(name: string): Promise<void>;
  /** Kills the server process (SIGKILL: no graceful shutdown, like a crash); data stays. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data folder, and waits until it is ready. */
  restart(): Promise<void>;
  /** Stops it and removes its data folder. */
  stop(): Promise<void>;
}

export interface StartMinioOptions {
  /** The MinIO server binary (settings: REPAIRITY_MINIO_BIN, else $REPAIRITY_CACHE/bin/minio). */
  binary: string;
  port?: number;
  dataDir?: string;
  /** Wait this long for readiness. Default 60 s. */
  readyTimeoutMs?: number;
}

export async function startMinio(opts: StartMinioOptions): Promise<MinioServer> {
  const bin = opts.binary;
  if (!existsSync(bin)) {
    throw new PermanentError(`MinIO not found at ${bin}: run "make minio" (it builds it from its Go module), or set REPAIRITY_MINIO_BIN`);
  }
  const port = opts.port ?? (await freePort());
  const consolePort = await freePort();
  const dataDir = opts.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'repairity-minio-')));
  const accessKey = 'repairity';
  const secretKey = 'repairity-secret';
  const endpoint = `http://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  let log = '';

  const launch = async (): Promise<void> => {
    log = '';
    const child = spawn(bin, ['server', dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'], {
      env: {
        ...process.env,
        MINIO_ROOT_USER: accessKey,
        MINIO_ROOT_PASSWORD: secretKey,
        MINIO_BROWSER: 'off',
        MINIO_UPDATE: 'off',
        MINIO_CI_CD: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    proc = child;
    // Never outlive the process that started it (a crashed test run or bench leaves no server behind).
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new TransientError(`MinIO exited with code ${child.exitCode} while starting:\n${log}`);
      try {
        const res = await fetch(`${endpoint}/minio/health/ready`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    throw new TransientError(`MinIO did not become ready on ${endpoint} within ${opts.readyTimeoutMs ?? 60_000} ms:\n${log}`);
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const child = proc;
    proc = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  const server: MinioServer = {
    endpoint,
    port,
    dataDir,
    accessKey,
    secretKey,
    client: () =>
      new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } }),
    async createBucket(name) {
      const client = server.client();
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } catch (err) {
        if ((err as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw err;
      } finally {
        client.destroy();
      }
    },
    kill: () => terminate('SIGKILL'),
    restart: async () => {
      await terminate('SIGKILL');
      await launch();
    },
    stop: async () => {
      await terminate('SIGTERM');
      if (!opts.dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
