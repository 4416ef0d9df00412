/**
 * The Claude step kinds, built from injected settings (or an injected client, in tests).
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ClaudeSettings } from '../../core/env.js';
import type { StepImpl } from '../../engine/kind.js';
import type { StepDependencies } from '../define.js';
import { createBatchStep } from './batch.js';
import type { ClaudeRuntime } from './call.js';
import { createAnthropicClient } from './client.js';
import { createJudgeStep } from './judge.js';
import { createMessageStep } from './message.js';
import { loadPriceTable, type PriceTable } from './pricing.js';

export interface ClaudeDependencies extends Pick<StepDependencies, 'store'> {
  /** The loader's Claude settings (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, REPAIRITY_CLAUDE_*). */
  claude: ClaudeSettings;
  /** A ready client (tests); default: built from the settings with SDK retries off. */
  anthropic?: Anthropic;
  prices?: PriceTable;
}

export function createClaudeRuntime(deps: ClaudeDependencies): ClaudeRuntime {
  const settings = deps.claude;
  const client =
    deps.anthropic ??
    createAnthropicClient({
      ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
      ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
      timeoutMs: settings.timeoutMs,
    });
  return {
    client,
    prices: deps.prices ?? loadPriceTable(settings.pricesFile),
    secrets: settings.apiKey ? [settings.apiKey] : [],
    timeoutMs: settings.timeoutMs,
    credentialsPresent: deps.anthropic !== undefined || settings.apiKey !== undefined || settings.baseURL !== undefined,
  };
}

export function createClaudeSteps(deps: ClaudeDependencies) {
  const rt = createClaudeRuntime(deps);
  return {
    'claude.message': createMessageStep(rt),
    'claude.judge': createJudgeStep(rt),
    'claude.batch': createBatchStep(rt),
  };
}

export { claudeSpecs } from './specs.js';
export { scrub } from './errors.js';
