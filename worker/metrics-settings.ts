/** Settings of a worker process's Prometheus endpoint (REPAIRITY_METRICS_*). */
import { ENV } from '../core/env.js';
import { PermanentError } from '../core/errors.js';

export interface MetricsSettings {
  port: number;
  host: string;
}

/** The metrics endpoint's settings; undefined when no port is set (the default). */
export function readMetricsSettings(env: NodeJS.ProcessEnv): MetricsSettings | undefined {
  const raw = env[ENV.REPAIRITY_METRICS_PORT]?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PermanentError(`${ENV.REPAIRITY_METRICS_PORT} must be a port number (0 picks a free one), got ${JSON.stringify(raw)}; unset it to serve no metrics`);
  }
  return { port, host: env[ENV.REPAIRITY_METRICS_HOST]?.trim() || '0.0.0.0' };
}
