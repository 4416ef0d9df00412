import type { StepContext } from '../../engine/kind.js';

/**
 * Keeps heartbeating while a step runs, so that cancellation reaches it and a dead worker is
 * noticed within the heartbeat timeout, without overwriting the details the step last reported
 * (they are what a retry resumes from). `ctx` is the call's own: its `heartbeat` is replaced, not
 * copied. Returns what stops it.
 */
export function keepHeartbeating(ctx: StepContext, heartbeatTimeoutMs: number): () => void {
  const send = ctx.heartbeat;
  let last: unknown = ctx.lastHeartbeat();
  const interval = Math.max(200, Math.min(heartbeatTimeoutMs / 3, 10_000));
  const timer = setInterval(() => send(last), interval);
  timer.unref();
  ctx.heartbeat = (details) => {
    last = details;
    send(details);
  };
  return () => clearInterval(timer);
}
