/** What the simulator checks of a Messages API request, as the real API does. */
import type { MessagesRequestBody } from './types.js';

/** An error answer: HTTP status, Anthropic error type, message. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export function validateMessages(body: MessagesRequestBody, models: string[] | undefined): HttpProblem | undefined {
  if (!body || typeof body !== 'object') return new HttpProblem(400, 'invalid_request_error', 'body: must be a JSON object');
  if (typeof body.model !== 'string' || body.model === '') return new HttpProblem(400, 'invalid_request_error', 'model: Field required');
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return new HttpProblem(400, 'invalid_request_error', 'max_tokens: Field required (a positive integer)');
  if (!Array.isArray(body.messages) || body.messages.length === 0) return new HttpProblem(400, 'invalid_request_error', 'messages: at least one message is required');
  const thinking = body.thinking;
  if (thinking?.type === 'enabled') {
    if (!Number.isInteger(thinking.budget_tokens) || thinking.budget_tokens < 1024) {
      return new HttpProblem(400, 'invalid_request_error', 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
    }
    if (thinking.budget_tokens >= body.max_tokens) {
      return new HttpProblem(400, 'invalid_request_error', '`max_tokens` must be greater than `thinking.budget_tokens`');
    }
  }
  if (models && !models.includes(body.model)) return new HttpProblem(404, 'not_found_error', `model: ${body.model}`);
  return undefined;
}
