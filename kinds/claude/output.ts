/**
 * The outputs of a Claude answer: text, reasoning, code blocks, usage, cost, model, request id.
 * Shared by `claude.message` and the per-item records of `claude.batch`.
 */
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { analysisSections, codeBlocks, lex, primaryCode, type CodeBlock } from './answer.js';

export interface MessageOutput {
  text: string;
  reasoning: string;
  /** Where `reasoning` came from: thinking blocks, the answer's analysis sections, or nowhere. */
  reasoningSource: 'thinking' | 'analysis' | 'none';
  code: CodeBlock[];
  /** The last code block (in `language` if given): usually the fix. Empty when there is none. */
  fix: string;
  usage: { inputTokens: number; outputTokens: number; cacheReadInputTokens: number; cacheCreationInputTokens: number };
  costUsd: number;
  model: string;
  requestId: string | null;
  stopReason: string | null;
  /** True when the answer came from the memo (no request was made). */
  cached: boolean;
}

export interface DescribeOptions {
  costUsd: number;
  requestId: string | null;
  cached: boolean;
  language?: string;
  analysisHeadings?: string[];
}

export function describeMessage(message: Message, opts: DescribeOptions): MessageOutput {
  const text = message.content
    .filter((b): b is Extract<Message['content'][number], { type: 'text' }> => b.type === 'text')
    .map((b) => b.text)
    .join('\n');
  const thinking = message.content
    .filter((b): b is Extract<Message['content'][number], { type: 'thinking' }> => b.type === 'thinking')
    .map((b) => b.thinking)
    .join('\n\n');
  const tokens = lex(text);
  const analysis = thinking === '' ? analysisSections(tokens, opts.analysisHeadings) : '';
  const code = codeBlocks(tokens);
  return {
    text,
    reasoning: thinking !== '' ? thinking : analysis,
    reasoningSource: thinking !== '' ? 'thinking' : analysis !== '' ? 'analysis' : 'none',
    code,
    fix: primaryCode(code, opts.language)?.code ?? '',
    usage: {
      inputTokens: message.usage.input_tokens,
      outputTokens: message.usage.output_tokens,
      cacheReadInputTokens: message.usage.cache_read_input_tokens ?? 0,
      cacheCreationInputTokens: message.usage.cache_creation_input_tokens ?? 0,
    },
    costUsd: opts.costUsd,
    model: message.model,
    requestId: opts.requestId,
    stopReason: message.stop_reason,
    cached: opts.cached,
  };
}
