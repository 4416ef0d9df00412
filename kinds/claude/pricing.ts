/**
 * Dollar cost of a Claude answer from a price table (USD per million tokens). The built-in table
 * can be replaced or extended with a JSON file (REPAIRITY_CLAUDE_PRICES):
 *
 *   { "models": { "claude-sonnet-4-5": { "input": 3, "output": 15 } }, "batchDiscount": 0.5 }
 *
 * Model names match by longest prefix, so dated ids (`claude-sonnet-4-5-20250929`) find their
 * family. Cache writes default to 1.25x input, cache reads to 0.1x input.
 */
import fs from 'node:fs';
import { PermanentError } from '../../core/errors.js';

export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite?: number;
  cacheRead?: number;
}

export interface PriceTable {
  models: Record<string, ModelPrice>;
  /** Price used for models the table does not know (default: the dearest listed, so budgets stay safe). */
  fallback?: ModelPrice;
  /** Multiplier for Message Batches (default 0.5). */
  batchDiscount?: number;
}

/** Anthropic list prices (platform.claude.com/docs/en/about-claude/pricing, checked 2026-11). */
export const DEFAULT_PRICES: PriceTable = {
  models: {
    'claude-fable-5': { input: 10, output: 50 },
    'claude-mythos-5': { input: 10, output: 50 },
    'claude-mythos-preview': { input: 10, output: 50 },
    'claude-opus-5-5': { input: 4, output: 20 },
    'claude-opus-5': { input: 5, output: 25 },
    'claude-opus-4-8': { input: 5, output: 25 },
    'claude-opus-4-7': { input: 5, output: 25 },
    'claude-opus-4-6': { input: 5, output: 25 },
    'claude-opus-4-5': { input: 5, output: 25 },
    'claude-opus-4-1': { input: 15, output: 75 },
    'claude-opus-4': { input: 15, output: 75 },
    'claude-sonnet-5-5': { input: 2, output: 10 },
    'claude-sonnet-5': { input: 2, output: 10 },
    'claude-sonnet-4': { input: 3, output: 15 },
    'claude-3-7-sonnet': { input: 3, output: 15 },
    'claude-haiku-5-5': { input: 0.1, output: 0.5 },
    'claude-haiku-4-5': { input: 1, output: 5 },
    'claude-3-5-haiku': { input: 0.8, output: 4 },
    'claude-3-haiku': { input: 0.25, output: 1.25 },
  },
  batchDiscount: 0.5,
};

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

function dearest(table: PriceTable): ModelPrice {
  let best: ModelPrice = { input: 15, output: 75 };
  for (const p of Object.values(table.models)) if (p.output > best.output) best = p;
  return best;
}

export function priceFor(table: PriceTable, model: string): { price: ModelPrice; known: boolean } {
  let match: string | undefined;
  for (const prefix of Object.keys(table.models)) {
    if (model.startsWith(prefix) && (match === undefined || prefix.length > match.length)) match = prefix;
  }
  if (match !== undefined) return { price: table.models[match]!, known: true };
  return { price: table.fallback ?? dearest(table), known: false };
}

export function costUsd(table: PriceTable, model: string, usage: TokenUsage, opts: { batch?: boolean } = {}): number {
  const { price } = priceFor(table, model);
  const cacheWrite = price.cacheWrite ?? price.input * 1.25;
  const cacheRead = price.cacheRead ?? price.input * 0.1;
  const dollars =
    (usage.input_tokens * price.input +
      usage.output_tokens * price.output +
      (usage.cache_creation_input_tokens ?? 0) * cacheWrite +
      (usage.cache_read_input_tokens ?? 0) * cacheRead) /
    1_000_000;
  return opts.batch ? dollars * (table.batchDiscount ?? 0.5) : dollars;
}

function isPrice(v: unknown): v is ModelPrice {
  const p = v as ModelPrice;
  return !!p && typeof p.input === 'number' && typeof p.output === 'number' && p.input >= 0 && p.output >= 0;
}

/** The built-in table, with the models of `file` (if given) added or replaced. */
export function loadPriceTable(file?: string): PriceTable {
  if (!file) return DEFAULT_PRICES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PermanentError(`cannot read the Claude price table ${file} (REPAIRITY_CLAUDE_PRICES): ${(err as Error).message}`, { file });
  }
  const t = parsed as Partial<PriceTable>;
  if (!t || typeof t !== 'object' || (t.models !== undefined && typeof t.models !== 'object')) {
    throw new PermanentError(`price table ${file} must be {"models": {"<model prefix>": {"input": USD/MTok, "output": USD/MTok}}}`, { file });
  }
  for (const [name, p] of Object.entries(t.models ?? {})) {
    if (!isPrice(p)) throw new PermanentError(`price table ${file}: models.${name} needs non-negative "input" and "output" (USD per million tokens)`, { file });
  }
  if (t.fallback !== undefined && !isPrice(t.fallback)) throw new PermanentError(`price table ${file}: "fallback" needs "input" and "output"`, { file });
  return {
    models: { ...DEFAULT_PRICES.models, ...t.models },
    ...(t.fallback ? { fallback: t.fallback } : {}),
    batchDiscount: typeof t.batchDiscount === 'number' ? t.batchDiscount : DEFAULT_PRICES.batchDiscount!,
  };
}
