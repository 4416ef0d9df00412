/**
 * The `with:` of a Claude step, turned into a Messages API request.
 */
import type { MessageCreateParamsNonStreaming, MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { PermanentError, type ErrorContext } from '../../core/errors.js';
import { DEFAULT_MAX_TOKENS } from './schemas.js';

export interface MessageInput {
  model: string;
  system?: string;
  /** The user turn (already resolved against the item by the runtime). */
  prompt?: string;
  /** A whole conversation instead of `prompt`. */
  messages?: Array<{ role: 'user' | 'assistant'; content: string }>;
  /** Default 4096. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
  /** Extended thinking with this token budget (>= 1024, < maxTokens). */
  thinkingBudget?: number;
  /** Adaptive thinking (newer models decide how much to think); instead of thinkingBudget. */
  adaptiveThinking?: boolean;
  /** Stream the answer (default: when thinking is on or maxTokens > 16000). */
  stream?: boolean;
  /** Mark the system prompt for prompt caching (5 min TTL): cheaper repeated long prefixes. */
  cacheSystem?: boolean;
}

/**
 * The request body. `temperature` and `top_p` are sent only when a step sets them: the SDK no
 * longer types them, and newer models reject them ("temperature is deprecated for this model").
 */
export type MessageParams = MessageCreateParamsNonStreaming & { temperature?: number; top_p?: number };

export function toParams(input: MessageInput, context: ErrorContext = {}): MessageParams {
  const messages: MessageParam[] = [];
  if (input.messages) messages.push(...input.messages.map((m) => ({ role: m.role, content: m.content })));
  if (input.prompt !== undefined) messages.push({ role: 'user', content: input.prompt });
  if (messages.length === 0) throw new PermanentError('a Claude step needs "prompt" or "messages" in its with:', context);
  const maxTokens = input.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (input.thinkingBudget !== undefined && input.thinkingBudget >= maxTokens) {
    throw new PermanentError(`thinkingBudget (${input.thinkingBudget}) must be smaller than maxTokens (${maxTokens}): raise maxTokens or lower the budget`, context);
  }
  if (input.thinkingBudget !== undefined && input.adaptiveThinking) {
    throw new PermanentError('set either thinkingBudget or adaptiveThinking, not both', context);
  }
  return {
    model: input.model,
    max_tokens: maxTokens,
    messages,
    ...(input.system !== undefined
      ? { system: input.cacheSystem ? [{ type: 'text' as const, text: input.system, cache_control: { type: 'ephemeral' as const } }] : input.system }
      : {}),
    ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
    ...(input.topP !== undefined ? { top_p: input.topP } : {}),
    ...(input.stopSequences?.length ? { stop_sequences: input.stopSequences } : {}),
    ...(input.thinkingBudget !== undefined ? { thinking: { type: 'enabled', budget_tokens: input.thinkingBudget } } : {}),
    ...(input.adaptiveThinking ? { thinking: { type: 'adaptive' } } : {}),
  };
}

export function wantsStream(input: MessageInput, params: MessageParams): boolean {
  return input.stream ?? (params.thinking !== undefined || params.max_tokens > 16_000);
}
