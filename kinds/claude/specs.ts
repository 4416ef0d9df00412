/**
 * Specs of the Claude step kinds. Loaded by the compiler: imports nothing heavy.
 */
import { defineSpec, type StepSpec } from '../../engine/kind.js';
import { messageInputProperties, messageOutputSchema } from './schemas.js';

const analysisOptions = {
  language: { type: 'string', description: 'Language of the fix, to pick its code block (e.g. python)' },
  analysisHeadings: { type: 'array', items: { type: 'string' }, description: 'Headings whose sections are the reasoning when thinking is off' },
} as const;

export const messageSpec = defineSpec({
  name: 'claude.message',
  description:
    'One Claude Messages API call (memoised: a retry or re-run never pays twice). Returns the text, the reasoning (thinking blocks or analysis sections), code blocks, usage, cost, model and request id.',
  input: {
    type: 'object',
    properties: { ...messageInputProperties, ...analysisOptions },
    required: ['model'],
    anyOf: [{ required: ['prompt'] }, { required: ['messages'] }],
    additionalProperties: false,
  },
  output: messageOutputSchema,
  queue: 'claude',
  spends: true,
  version: '1',
  timeout: '15m',
  heartbeatTimeout: '1m',
  memoised: true,
});

const rankArray = { type: 'array', items: { type: 'string' } } as const;

export const judgeSpec = defineSpec({
  name: 'claude.judge',
  description:
    'The teacher ranks two or more candidate repairs of a task on correctness, efficiency, readability and minimal change (structured tool call) and returns binary pairwise preferences; bothOrders keeps only verdicts that survive swapping the order.',
  input: {
    type: 'object',
    properties: {
      model: { type: 'string', minLength: 1 },
      task: { type: 'string', minLength: 1, description: 'The problem: statement, tests, buggy code' },
      original: { type: 'string', description: 'The original (buggy) code, for minimal change' },
      candidates: {
        type: 'array',
        minItems: 2,
        items: {
          anyOf: [
            { type: 'string' },
            { type: 'object', properties: { id: { type: 'string', minLength: 1 }, code: { type: 'string' } }, required: ['code'], additionalProperties: true },
          ],
        },
      },
      bothOrders: { type: 'boolean', default: false },
      language: { type: 'string' },
      system: { type: 'string' },
      maxTokens: { type: 'integer', minimum: 1 },
      temperature: { type: 'number', minimum: 0, maximum: 1 },
    },
    required: ['model', 'task', 'candidates'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      ranking: rankArray,
      criteria: {
        type: 'object',
        properties: { correctness: rankArray, efficiency: rankArray, readability: rankArray, minimal_change: rankArray },
        required: ['correctness', 'efficiency', 'readability', 'minimal_change'],
      },
      rankingReversed: rankArray,
      pairs: {
        type: 'array',
        items: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' }, label: { enum: [0, 1] } }, required: ['a', 'b', 'label'] },
      },
      preferences: {
        type: 'array',
        items: { type: 'object', properties: { chosen: { type: 'string' }, rejected: { type: 'string' } }, required: ['chosen', 'rejected'] },
      },
      consistentPairs: { type: 'integer' },
      inconsistentPairs: { type: 'integer' },
      requestIds: { type: 'array', items: { type: ['string', 'null'] } },
      costUsd: { type: 'number' },
      cached: { type: 'boolean' },
    },
    required: ['ranking', 'criteria', 'pairs', 'preferences', 'consistentPairs', 'inconsistentPairs', 'requestIds', 'costUsd', 'cached'],
  },
  queue: 'claude',
  spends: true,
  version: '1',
  timeout: '15m',
  heartbeatTimeout: '1m',
  memoised: true,
});

const batchRequest = {
  type: 'object',
  properties: { ...messageInputProperties, customId: { type: 'string' }, id: { type: ['string', 'integer'] } },
} as const;

export const batchSpec = defineSpec({
  name: 'claude.batch',
  description:
    'Many Claude requests through the Message Batches API (half price): create once (a crash never creates a second batch), wait with heartbeats, map results back by custom id, write them as JSONL.',
  input: {
    type: 'object',
    properties: {
      requests: { type: 'array', items: batchRequest },
      requestsUri: {
        anyOf: [{ type: 'string' }, { type: 'object', properties: { uri: { type: 'string' } }, required: ['uri'] }],
        description: 'A JSONL artifact with one request per line',
      },
      defaults: { type: 'object', properties: messageInputProperties, additionalProperties: false },
      language: { type: 'string' },
      pollIntervalMs: { type: 'integer', minimum: 1, description: 'First wait between polls (default 30000)' },
      maxPollIntervalMs: { type: 'integer', minimum: 1, description: 'Longest wait between polls (default 300000)' },
    },
    anyOf: [{ required: ['requests'] }, { required: ['requestsUri'] }],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      results: { type: 'string', description: 'URI of the JSONL results, one record per request in input order' },
      count: { type: 'integer' },
      succeeded: { type: 'integer' },
      failed: { type: 'integer' },
      cached: { type: 'integer' },
      batchId: { type: ['string', 'null'] },
      costUsd: { type: 'number' },
      inputTokens: { type: 'integer' },
      outputTokens: { type: 'integer' },
    },
    required: ['results', 'count', 'succeeded', 'failed', 'cached', 'batchId', 'costUsd', 'inputTokens', 'outputTokens'],
    additionalProperties: false,
  },
  queue: 'claude',
  spends: true,
  version: '1',
  timeout: '25h',
  heartbeatTimeout: '10m',
});

export const claudeSpecs = [messageSpec, judgeSpec, batchSpec] as const satisfies readonly StepSpec[];
