/** Experiment-tracking settings, read from the environment at the edge. */
import { ENV } from '../../core/env.js';

export interface TrackingSettings {
  /** The MLflow tracking server, e.g. `http://mlflow:5000`. */
  uri: string;
  experiment: string;
  /** Tries of each request before it is given up (reported, never failing a step); default 3. */
  attempts: number;
  /** Wait before the second try, doubled each time; default 500 ms. */
  retryDelayMs: number;
  /** Timeout of one request; default 10 s. */
  timeoutMs: number;
}

/** Undefined when no tracking URI is set: nothing is logged. */
export function readTrackingSettings(env: NodeJS.ProcessEnv): TrackingSettings | undefined {
  const uri = env[ENV.REPAIRITY_MLFLOW_TRACKING_URI]?.trim();
  if (!uri) return undefined;
  return { uri: uri.replace(/\/+$/, ''), experiment: env[ENV.REPAIRITY_MLFLOW_EXPERIMENT]?.trim() || 'repairity', attempts: 3, retryDelayMs: 500, timeoutMs: 10_000 };
}
