/**
 * Bounds on the work one pipeline file can ask of the compiler, so that any input (a huge or
 * hostile file, a generated one gone wrong) ends quickly with a message naming the limit. Each is
 * far above what a hand-written or generated pipeline needs (the flagship pipeline: 9 steps, 6
 * levels, 10 KB). Documented in docs/pipeline-language.md ("Limits").
 */
export const LIMITS = {
  /** Bytes of one pipeline file. */
  fileBytes: 512 * 1024,
  /** Steps in one file. */
  steps: 2000,
  /** Nesting levels of mappings and lists (block or flow style). */
  depth: 64,
  /** Values that YAML aliases (`*name`, `<<: *name`) add to a file once expanded. */
  aliasValues: 10_000,
  /** References (`params.x`, `steps.a.outputs.b`, `item`, ...) in all expressions of one file. */
  references: 50_000,
  /** Characters of one `${{ }}` expression. */
  expressionLength: 4_000,
  /** Nested sub-pipelines (`pipeline:` inside `pipeline:` ...). */
  includeDepth: 16,
} as const;

/** Longest piece of the user's text that a message quotes; longer ones are cut with "…". */
const QUOTE_MAX = 80;

/** `text`, cut to a length that a message can quote. */
export function quote(text: string): string {
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}… (${text.length} characters)` : text;
}

/** 1,048,576 -> "1 MiB"; 5000 -> "5,000". */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(0)} KiB` : `${bytes} bytes`;
}
