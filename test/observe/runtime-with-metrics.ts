/**
 * Installs this test process's Temporal runtime with the metrics endpoint on a free port, the way
 * `repairity worker` does with REPAIRITY_METRICS_PORT set. Imported before the engine helper,
 * whose own install then finds a runtime in place.
 */
import { readMetricsSettings } from '../../worker/metrics-settings.js';
import { installWorkerRuntime } from '../../worker/telemetry.js';

export const metricsEndpoint = (await installWorkerRuntime(readMetricsSettings({ REPAIRITY_METRICS_PORT: '0', REPAIRITY_METRICS_HOST: '127.0.0.1' }), { logLevel: 'WARN' }))!;
