/**
 * The custom search attributes of a run, which `repairity runs` lists and filters by. They must be
 * registered on the namespace first (`repairity dev` does it on the dev server; docs/operations.md
 * gives the command for a cluster). Types and constants only: the workflow imports this.
 */
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes.js';

export const RUN_ATTRIBUTES = {
  /** The pipeline's name. */
  pipeline: { name: 'RepairityPipeline', type: 'KEYWORD' } as SearchAttributeKey<'KEYWORD'>,
  /** The first 12 hex digits of the sha256 of the run's params. */
  params: { name: 'RepairityParams', type: 'KEYWORD' } as SearchAttributeKey<'KEYWORD'>,
  /** Dollars the run has spent so far (updated as steps end). */
  costUsd: { name: 'RepairityCostUsd', type: 'DOUBLE' } as SearchAttributeKey<'DOUBLE'>,
  /** The run a rerun continues. */
  continues: { name: 'RepairityContinues', type: 'KEYWORD' } as SearchAttributeKey<'KEYWORD'>,
} as const;

/** `name=Type` pairs, as the dev server's `--search-attribute` flag and `temporal operator search-attribute create` take them. */
export const RUN_ATTRIBUTE_FLAGS: readonly string[] = Object.values(RUN_ATTRIBUTES).map((k) => `${k.name}=${k.type === 'DOUBLE' ? 'Double' : 'Keyword'}`);
