/**
 * Posts one notification, at most once per run and notifier: a marker in the artifact store is
 * written once the receiver accepted it, and checked before posting, so an activity retry or a
 * replay does not post again. A receiver that fails is tried again with backoff; one that stays
 * down gives a note, never an error.
 */
import { readJsonIfExists, writeJson } from '../../store/json.js';
import type { ArtifactStore } from '../../store/types.js';
import { runKeys, safeSegment } from '../runtime/keys.js';

export interface PostOptions {
  /** Tries in all; default 5. */
  attempts: number;
  /** Wait before the second try, doubled each time; default 1 s. */
  retryDelayMs: number;
  timeoutMs: number;
}

export const DEFAULT_POST: PostOptions = { attempts: 5, retryDelayMs: 1000, timeoutMs: 10_000 };

const sentKey = (runId: string, notifier: string, event: string) => `${runKeys.runRecord(runId).replace(/run\.json$/, '')}notify/${safeSegment(notifier)}-${event}.json`;

/** Where a URL may carry a secret (a Slack webhook's path is one): only its origin is shown. */
const shown = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return 'the webhook';
  }
};

/** Undefined when posted (now or before); otherwise why not. */
export async function postOnce(store: ArtifactStore, key: { runId: string; notifier: string; event: string }, url: string, payload: unknown, opts: PostOptions = DEFAULT_POST): Promise<string | undefined> {
  const marker = sentKey(key.runId, key.notifier, key.event);
  if (await readJsonIfExists(store, marker)) return undefined;
  let last = '';
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, opts.retryDelayMs * 2 ** (attempt - 2)));
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), signal: AbortSignal.timeout(opts.timeoutMs) });
      await res.arrayBuffer();
      if (res.ok) {
        await writeJson(store, marker, { postedAt: new Date().toISOString(), attempt }, { run: key.runId });
        return undefined;
      }
      last = `HTTP ${res.status}`;
      // The receiver refuses this message (bad URL, revoked hook): trying again cannot help.
      if (res.status < 500 && res.status !== 429 && res.status !== 408) break;
    } catch (err) {
      last = (err as Error).message;
    }
  }
  return `notifier "${key.notifier}": posting to ${shown(url)} failed (${last}); the run's result is unaffected`;
}
