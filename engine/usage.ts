/** What steps spend: requests, tokens and dollars. Types and pure arithmetic, shared by workflows and activities. */

export interface Usage {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export function zeroUsage(): Usage {
  return { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
}

/** What `now` adds to `before` (a cumulative total read twice). */
export function usageSince(now: Usage, before: Usage): Usage {
  return { requests: now.requests - before.requests, inputTokens: now.inputTokens - before.inputTokens, outputTokens: now.outputTokens - before.outputTokens, costUsd: now.costUsd - before.costUsd };
}

/** Adds `more` (any of its fields) to `into`, and returns `into`. */
export function addUsageTo(into: Usage, more: Partial<Usage> | undefined): Usage {
  if (!more) return into;
  into.requests += more.requests ?? 0;
  into.inputTokens += more.inputTokens ?? 0;
  into.outputTokens += more.outputTokens ?? 0;
  into.costUsd += more.costUsd ?? 0;
  return into;
}

/** Whether a call used anything (an answer paid for), so its usage is worth keeping. */
export function spentAnything(u: Usage): boolean {
  return u.requests > 0 || u.costUsd > 0 || u.inputTokens > 0 || u.outputTokens > 0;
}
