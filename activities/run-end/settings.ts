/** Settings of the run-end activity (notifications and experiment tracking), parsed by the settings loader. */
import { ENV } from '../../core/env.js';
import { readTrackingSettings, type TrackingSettings } from '../tracking/settings.js';
import type { PostOptions } from './webhook.js';

export interface RunEndSettings {
  /** Where `webhookEnv` names are looked up (the worker's environment). */
  env: NodeJS.ProcessEnv;
  tracking?: TrackingSettings;
  /** Base URL of the Temporal UI for the run link; none when absent. */
  uiUrl?: string;
  post?: PostOptions;
}

/** The settings from the worker's environment (REPAIRITY_MLFLOW_*, REPAIRITY_UI_URL). */
export function readRunEndSettings(env: NodeJS.ProcessEnv): RunEndSettings {
  const tracking = readTrackingSettings(env);
  return { env, uiUrl: env[ENV.REPAIRITY_UI_URL]?.trim() || 'http://localhost:8233', ...(tracking ? { tracking } : {}) };
}
