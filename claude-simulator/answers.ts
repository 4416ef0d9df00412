/**
 * Turns a ScriptedAnswer into a Messages API `Message` object, as the real API returns it.
 */
import type { MessagesRequestBody, ScriptedAnswer } from './types.js';

export type ContentBlock =
  | { type: 'text'; text: string; citations: null }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown; caller: { type: 'direct' } };

export interface ApiMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason: string | null;
  stop_sequence: string | null;
  stop_details: null;
  container: null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
    service_tier: 'standard' | 'batch';
  };
}

function contentText(content: MessagesRequestBody['messages'][number]['content']): string {
  if (typeof content === 'string') return content;
  return content
    .map((b) => (typeof b.text === 'string' ? b.text : typeof b.content === 'string' ? b.content : ''))
    .join('\n');
}

/** The text of the last user message. */
export function lastUserText(request: MessagesRequestBody): string {
  const users = (request.messages ?? []).filter((m) => m.role === 'user');
  const last = users[users.length - 1];
  return last ? contentText(last.content) : '';
}

/** System prompt and every message, as one string (what responses-file entries match against). */
export function requestText(request: MessagesRequestBody): string {
  const system = typeof request.system === 'string' ? request.system : (request.system ?? []).map((b) => b.text).join('\n');
  return [system, ...(request.messages ?? []).map((m) => contentText(m.content))].join('\n');
}

const tokensOf = (s: string): number => Math.max(1, Math.ceil(s.length / 4));

export function thinkingEnabled(request: MessagesRequestBody): boolean {
  return request.thinking?.type === 'enabled' || request.thinking?.type === 'adaptive';
}

export function buildMessage(request: MessagesRequestBody, answer: ScriptedAnswer, id: string, serviceTier: 'standard' | 'batch' = 'standard'): ApiMessage {
  const content: ContentBlock[] = [];
  if (answer.thinking !== undefined && thinkingEnabled(request)) {
    content.push({ type: 'thinking', thinking: answer.thinking, signature: `sig_${id}` });
  }
  let stopReason = answer.stopReason ?? null;
  let stopSequence: string | null = null;
  if (answer.text !== undefined) {
    let text = answer.text;
    for (const seq of request.stop_sequences ?? []) {
      const at = text.indexOf(seq);
      if (at >= 0) {
        text = text.slice(0, at);
        stopReason = 'stop_sequence';
        stopSequence = seq;
        break;
      }
    }
    content.push({ type: 'text', text, citations: null });
  }
  if (answer.toolUse) {
    content.push({ type: 'tool_use', id: `toolu_${id}`, name: answer.toolUse.name, input: answer.toolUse.input, caller: { type: 'direct' } });
    stopReason ??= 'tool_use';
  }
  stopReason ??= 'end_turn';
  const outputChars = content
    .map((b) => (b.type === 'text' ? b.text : b.type === 'thinking' ? b.thinking : JSON.stringify(b.input)))
    .join('');
  return {
    id: `msg_${id}`,
    type: 'message',
    role: 'assistant',
    model: request.model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    stop_details: null,
    container: null,
    usage: {
      input_tokens: answer.usage?.input_tokens ?? tokensOf(requestText(request)),
      output_tokens: answer.usage?.output_tokens ?? tokensOf(outputChars),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      service_tier: serviceTier,
    },
  };
}

/**
 * A minimal instance of a JSON Schema (what a forced tool call answers when nothing is
 * scripted): required properties, enums' first value, arrays of `minItems` (or, for a unique
 * array of an enum, the enum values in schema order).
 */
export function exampleOf(schema: Record<string, unknown> | undefined): unknown {
  if (!schema) return {};
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      const out: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(props)) out[name] = exampleOf(sub);
      return out;
    }
    case 'array': {
      const items = (schema.items ?? {}) as Record<string, unknown>;
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      if (Array.isArray(items.enum) && schema.uniqueItems) {
        const max = typeof schema.maxItems === 'number' ? schema.maxItems : items.enum.length;
        return items.enum.slice(0, Math.max(min, Math.min(max, items.enum.length)));
      }
      return Array.from({ length: min }, () => exampleOf(items));
    }
    case 'string':
      return 'example';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return {};
  }
}

/** The built-in answer: a forced tool gets a schema example; otherwise a short analysis and a fix. */
export function defaultAnswer(request: MessagesRequestBody): ScriptedAnswer {
  const choice = request.tool_choice;
  if (choice && choice.type === 'tool') {
    const tool = (request.tools ?? []).find((t) => t.name === choice.name);
    return { toolUse: { name: choice.name, input: exampleOf(tool?.input_schema) } };
  }
  return {
    thinking: 'The function mishandles its edge case; returning early fixes it.',
    text: [
      '## Analysis',
      'The loop never handles the empty input, so the function fails on it.',
      '',
      '## Fix',
      '```python',
      'def solve(xs):',
      '    if not xs:',
      '        return 0',
      '    return sum(xs)',
      '```',
    ].join('\n'),
  };
}
