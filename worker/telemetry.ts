/**
 * A worker process's Temporal runtime and, when a metrics port is set, its Prometheus endpoint:
 * one port per process serving `/metrics` with Temporal's worker metrics (the SDK's Prometheus
 * exporter, bound to a loopback port of its own and relayed) followed by the product's
 * (activities/telemetry/metrics.ts).
 */
import http from 'node:http';
import net from 'node:net';
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import { registry } from '../activities/telemetry/metrics.js';
import { ENV } from '../core/env.js';
import { PermanentError } from '../core/errors.js';
import type { MetricsSettings } from './metrics-settings.js';

/** A free loopback port for Temporal's exporter (the SDK does not say which port it bound). */
async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface MetricsEndpoint {
  /** `http://host:port/metrics`. */
  url: string;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logLevel: LogLevel;
  shutdownSignals?: NodeJS.Signals[];
}

/**
 * Installs the process's Temporal runtime (before any connection is made) and starts the
 * metrics endpoint when the settings ask for one.
 */
export async function installWorkerRuntime(settings: MetricsSettings | undefined, opts: RuntimeOptions): Promise<MetricsEndpoint | undefined> {
  const base = { logger: new DefaultLogger(opts.logLevel), ...(opts.shutdownSignals ? { shutdownSignals: opts.shutdownSignals } : {}) };
  if (!settings) {
    Runtime.install(base);
    return undefined;
  }
  const temporalPort = await freeLoopbackPort();
  Runtime.install({ ...base, telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${temporalPort}`, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } } });
  return serveMetrics(settings, `http://127.0.0.1:${temporalPort}/metrics`);
}

/** Temporal's metrics text; empty (with a comment) while its exporter does not answer. */
async function temporalMetrics(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return res.ok ? await res.text() : `# Temporal metrics unavailable: HTTP ${res.status}\n`;
  } catch (err) {
    return `# Temporal metrics unavailable: ${(err as Error).message}\n`;
  }
}

export async function serveMetrics(settings: MetricsSettings, temporalUrl?: string): Promise<MetricsEndpoint> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at /metrics\n');
      return;
    }
    void Promise.all([temporalUrl ? temporalMetrics(temporalUrl) : '', registry.metrics()]).then(
      ([temporal, product]) => res.writeHead(200, { 'content-type': registry.contentType }).end(`${temporal}${temporal.endsWith('\n') || !temporal ? '' : '\n'}${product}`),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`),
    );
  });
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(settings.port, settings.host, resolve));
  } catch (err) {
    throw new PermanentError(`the metrics endpoint cannot listen on ${settings.host}:${settings.port}: ${(err as Error).message}; set ${ENV.REPAIRITY_METRICS_PORT} to a free port (or unset it)`);
  }
  const { port } = server.address() as net.AddressInfo;
  const host = settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host;
  return { url: `http://${host}:${port}/metrics`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
