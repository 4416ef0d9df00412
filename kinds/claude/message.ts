/** `claude.message`: one memoised Messages API call. */
import type { StepContext } from '../../engine/kind.js';
import type { InputOf, KindImpl } from '../define.js';
import { callClaude, errorContext, Spending, type ClaudeRuntime } from './call.js';
import { describeMessage, type MessageOutput } from './output.js';
import { toParams, wantsStream } from './request.js';
import type { messageSpec } from './specs.js';

export type MessageStepInput = InputOf<typeof messageSpec>;

export function createMessageStep(rt: ClaudeRuntime): KindImpl<typeof messageSpec> {
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
