/** A StepContext for calling training steps directly (no Temporal), recording heartbeats. */
import type { ArtifactStore } from '../../store/types.js';
import { recordingContext, type RecordingStepContext } from '../helpers/step-context.js';

export interface RecordingContext extends RecordingStepContext {
  beats: unknown[];
}

/**
 * Calls here stand for attempts of one run: `cache: false` by default, so that a call does not
 * resume from the checkpoints an earlier call with the same inputs stored (checkpoint-registry.ts).
 */
export function makeContext(store: ArtifactStore, opts: { lastHeartbeat?: unknown; attempt?: number; onHeartbeat?: (d: unknown) => void; cache?: boolean } = {}): RecordingContext {
  const ctx = recordingContext(store, { stepId: 'train', cache: false, ...opts });
  return Object.assign(ctx, { beats: ctx.heartbeats });
}
