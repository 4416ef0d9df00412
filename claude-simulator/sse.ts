/**
 * The server-sent event sequence of a streamed Messages answer, as the SDK's MessageStream
 * accumulates it: message_start, ping, per block content_block_start / _delta... / _stop,
 * message_delta (stop reason, output tokens), message_stop.
 */
import type { ApiMessage, ContentBlock } from './answers.js';

export interface SseEvent {
  event: string;
  data: unknown;
}

function chunks(text: string, size: number): string[] {
  if (text.length === 0) return [];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function startBlock(block: ContentBlock): ContentBlock {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: '', citations: null };
    case 'thinking':
      return { type: 'thinking', thinking: '', signature: '' };
    case 'tool_use':
      return { ...block, input: {} };
  }
}

function deltas(block: ContentBlock, size: number): unknown[] {
  switch (block.type) {
    case 'text':
      return chunks(block.text, size).map((text) => ({ type: 'text_delta', text }));
    case 'thinking':
      return [
        ...chunks(block.thinking, size).map((thinking) => ({ type: 'thinking_delta', thinking })),
        { type: 'signature_delta', signature: block.signature },
      ];
    case 'tool_use':
      return chunks(JSON.stringify(block.input), size).map((partial_json) => ({ type: 'input_json_delta', partial_json }));
  }
}

export function messageEvents(message: ApiMessage, chunkChars = 16): SseEvent[] {
  const events: SseEvent[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...message.usage, output_tokens: 1 } },
      },
    },
    { event: 'ping', data: { type: 'ping' } },
  ];
  message.content.forEach((block, index) => {
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: startBlock(block) } });
    for (const delta of deltas(block, chunkChars)) {
      events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta } });
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push({
    event: 'message_delta',
    data: {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence, stop_details: null, container: null },
      usage: { output_tokens: message.usage.output_tokens },
    },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}

export function formatSse(e: SseEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}
