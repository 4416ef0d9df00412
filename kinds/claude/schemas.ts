/** JSON Schemas of the Claude steps' inputs and outputs (light: the compiler loads them). */

export const DEFAULT_MAX_TOKENS = 4096;

/** JSON Schema of MessageInput, shared by the step specs. */
export const messageInputProperties = {
  model: { type: 'string', minLength: 1, description: 'Model name, e.g. claude-sonnet-4-5' },
  system: { type: 'string', description: 'System prompt' },
  prompt: { type: 'string', description: 'User message (a template over the item, resolved by the runtime)' },
  messages: {
    type: 'array',
    minItems: 1,
    items: {
      type: 'object',
      properties: { role: { enum: ['user', 'assistant'] }, content: { type: 'string' } },
      required: ['role', 'content'],
      additionalProperties: false,
    },
    description: 'A conversation, instead of prompt',
  },
  maxTokens: { type: 'integer', minimum: 1, description: `Maximum output tokens (default ${DEFAULT_MAX_TOKENS})` },
  temperature: { type: 'number', minimum: 0, maximum: 1 },
  topP: { type: 'number', minimum: 0, maximum: 1 },
  stopSequences: { type: 'array', items: { type: 'string', minLength: 1 } },
  thinkingBudget: { type: 'integer', minimum: 1024, description: 'Extended thinking token budget (< maxTokens)' },
  cacheSystem: { type: 'boolean', description: 'Prompt-cache the system prompt (5 min TTL)' },
  adaptiveThinking: { type: 'boolean', description: 'Adaptive thinking (newer models), instead of thinkingBudget' },
  stream: { type: 'boolean', description: 'Stream the answer (default: when thinking is on or maxTokens > 16000)' },
} as const;

/** JSON Schema of MessageOutput. */
export const messageOutputSchema = {
  type: 'object',
  properties: {
    text: { type: 'string' },
    reasoning: { type: 'string' },
    reasoningSource: { enum: ['thinking', 'analysis', 'none'] },
    code: {
      type: 'array',
      items: { type: 'object', properties: { lang: { type: 'string' }, code: { type: 'string' } }, required: ['lang', 'code'], additionalProperties: false },
    },
    fix: { type: 'string' },
    usage: {
      type: 'object',
      properties: {
        inputTokens: { type: 'integer' },
        outputTokens: { type: 'integer' },
        cacheReadInputTokens: { type: 'integer' },
        cacheCreationInputTokens: { type: 'integer' },
      },
      required: ['inputTokens', 'outputTokens', 'cacheReadInputTokens', 'cacheCreationInputTokens'],
      additionalProperties: false,
    },
    costUsd: { type: 'number' },
    model: { type: 'string' },
    requestId: { type: ['string', 'null'] },
    stopReason: { type: ['string', 'null'] },
    cached: { type: 'boolean' },
  },
  required: ['text', 'reasoning', 'reasoningSource', 'code', 'fix', 'usage', 'costUsd', 'model', 'requestId', 'stopReason', 'cached'],
  additionalProperties: false,
} as const;
