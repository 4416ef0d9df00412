/** `claude.message`: one memoised Messages API call. */
import type { StepContext, StepImpl } from '../../engine/kind.js';
import { callClaude, errorContext, Spending, type ClaudeRuntime } from './call.js';
import { describeMessage, type MessageOutput } from './output.js';
import { toParams, wantsStream, type MessageInput } from './request.js';

export interface MessageStepInput extends MessageInput {
  /** Language of the fix, to pick the right code block (e.g. "python"). */
  language?: string;
  /** Headings whose sections count as reasoning when thinking is off. */
  analysisHeadings?: string[];
}

export function createMessageStep(rt: ClaudeRuntime): StepImpl<MessageStepInput, MessageOutput> {
  return async (input: MessageStepInput, ctx: StepContext): Promise<MessageOutput> => {
    const params = toParams(input, errorContext(ctx));
    const result = await callClaude(rt, ctx, params, { stream: wantsStream(input, params), spend: new Spending(ctx) });
    return describeMessage(result.message, {
      costUsd: result.cached ? 0 : result.costUsd,
      requestId: result.requestId,
      cached: result.cached,
      ...(input.language ? { language: input.language } : {}),
      ...(input.analysisHeadings ? { analysisHeadings: input.analysisHeadings } : {}),
    });
  };
}
