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

export function addUsageTo(into: Usage, more: Usage | undefined): void {
  if (!more) return;
  into.requests += more.requests;
  into.inputTokens += more.inputTokens;
  into.outputTokens += more.outputTokens;
  into.costUsd += more.costUsd;
}
