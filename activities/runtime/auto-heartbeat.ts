import type { StepContext } from '../../engine/kind.js';

/**
 * Keeps heartbeating while a step runs, so that cancellation reaches it and a dead worker is
 * noticed within the heartbeat timeout, without overwriting the details the step last reported
 * (they are what a retry resumes from).
 */
export function withAutoHeartbeat(ctx: StepContext, heartbeatTimeoutMs: number | undefined): { ctx: StepContext; stop(): void } {
  if (!heartbeatTimeoutMs) return { ctx, stop: () => undefined };
  let last: unknown = ctx.lastHeartbeat();
  const interval = Math.max(200, Math.min(heartbeatTimeoutMs / 3, 10_000));
  const timer = setInterval(() => ctx.heartbeat(last), interval);
  timer.unref();
  const wrapped: StepContext = {
    ...ctx,
    heartbeat: (details) => {
      last = details;
      ctx.heartbeat(details);
    },
  };
  return { ctx: wrapped, stop: () => clearInterval(timer) };
}
