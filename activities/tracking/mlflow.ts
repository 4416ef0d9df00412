/**
 * The few calls of MLflow's REST API that experiment tracking makes (runs, batches of metrics,
 * params and tags, artifacts through the server's artifact proxy), so no MLflow package is
 * needed anywhere. Each request is tried `attempts` times; a server that stays down gives a
 * TrackingUnavailable, which callers report and never let fail a step.
 */
import { TransientError } from '../../core/errors.js';
import type { TrackingSettings } from './settings.js';

export class TrackingUnavailable extends TransientError {}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

/** MLflow's limits on one log-batch request. */
const MAX_METRICS = 1000;
const MAX_PARAMS = 100;
const MAX_TAGS = 100;
/** MLflow refuses longer param values. */
const MAX_PARAM_CHARS = 6000;

export class MlflowClient {
  constructor(readonly settings: TrackingSettings) {}

  private async request<T>(method: string, path: string, body?: unknown, raw?: Buffer): Promise<T> {
    const { uri, attempts, retryDelayMs, timeoutMs } = this.settings;
    let last = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, retryDelayMs * 2 ** (attempt - 2)));
      let res: Response;
      try {
        res = await fetch(`${uri}${path}`, {
          method,
          signal: AbortSignal.timeout(timeoutMs),
          ...(raw ? { body: raw, headers: { 'content-type': 'application/octet-stream' } } : body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
        });
      } catch (err) {
        last = (err as Error).message;
        continue;
      }
      const text = await res.text();
      if (res.ok) return (text ? JSON.parse(text) : {}) as T;
      last = `HTTP ${res.status}: ${text.slice(0, 300)}`;
      // A request MLflow refuses (bad value, unknown run) fails the same way again.
      if (res.status < 500 && res.status !== 429) break;
    }
    throw new TrackingUnavailable(`MLflow at ${uri}: ${method} ${path.split('?')[0]} failed after ${attempts} tries: ${last}`);
  }

  /** The experiment's id, created when missing. */
  async experimentId(name: string): Promise<string> {
    try {
      const r = await this.request<{ experiment: { experiment_id: string } }>('GET', `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`);
      return r.experiment.experiment_id;
    } catch (err) {
      if (!/RESOURCE_DOES_NOT_EXIST|HTTP 404/.test((err as Error).message)) throw err;
    }
    const r = await this.request<{ experiment_id: string }>('POST', '/api/2.0/mlflow/experiments/create', { name });
    return r.experiment_id;
  }

  async createRun(experimentId: string, name: string, tags: KeyValue[]): Promise<{ runId: string; artifactUri: string }> {
    const r = await this.request<{ run: { info: { run_id: string; artifact_uri: string } } }>('POST', '/api/2.0/mlflow/runs/create', { experiment_id: experimentId, run_name: name, start_time: Date.now(), tags });
    return { runId: r.run.info.run_id, artifactUri: r.run.info.artifact_uri };
  }

  async endRun(runId: string, status: 'FINISHED' | 'FAILED' | 'KILLED', name?: string): Promise<void> {
    await this.request('POST', '/api/2.0/mlflow/runs/update', { run_id: runId, status, end_time: Date.now(), ...(name ? { run_name: name } : {}) });
  }

  /** Metrics, params and tags, cut into batches within MLflow's limits. */
  async logBatch(runId: string, batch: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] }): Promise<void> {
    const metrics = batch.metrics ?? [];
    const params = (batch.params ?? []).map((p) => ({ key: p.key, value: p.value.length > MAX_PARAM_CHARS ? `${p.value.slice(0, MAX_PARAM_CHARS - 1)}…` : p.value }));
    const tags = batch.tags ?? [];
    for (let i = 0; i === 0 || i * MAX_METRICS < metrics.length || i * MAX_PARAMS < params.length || i * MAX_TAGS < tags.length; i++) {
      await this.request('POST', '/api/2.0/mlflow/runs/log-batch', {
        run_id: runId,
        metrics: metrics.slice(i * MAX_METRICS, (i + 1) * MAX_METRICS),
        params: params.slice(i * MAX_PARAMS, (i + 1) * MAX_PARAMS),
        tags: tags.slice(i * MAX_TAGS, (i + 1) * MAX_TAGS),
      });
    }
  }

  /** Uploads one file under the run's artifacts (the server must serve artifacts, MLflow's default). */
  async putArtifact(artifactUri: string, name: string, content: Buffer): Promise<void> {
    const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(artifactUri);
    if (!m) throw new TrackingUnavailable(`MLflow at ${this.settings.uri}: the run's artifact location ${artifactUri} is not served by the tracking server; start it with --serve-artifacts (the default)`);
    const target = `${m[1]!.replace(/\/+$/, '')}/${name}`.split('/').map(encodeURIComponent).join('/');
    await this.request('PUT', `/api/2.0/mlflow-artifacts/artifacts/${target}`, undefined, content);
  }
}
