/**
 * Memoised Claude responses in the artifact store, keyed by a hash of the request (model,
 * parameters, system, messages, thinking, tools). A retry, a replay or a re-run of a pipeline finds
 * the stored answer and pays nothing.
 */
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import { hashJson } from '../../core/hash.js';
import { ArtifactNotFoundError } from '../../core/errors.js';
import { writeJson } from '../../store/json.js';
import type { ArtifactStore } from '../../store/types.js';

/** Bump when the meaning of a stored record changes. */
const MEMO_VERSION = 1;

export interface MemoRecord {
  key: string;
  message: Message;
  requestId: string | null;
  costUsd: number;
  /** True when the answer came from a Message Batch (billed at the batch price). */
  batch: boolean;
  createdAt: string;
}

/** The memo key of a request. `stream` is left out: it changes the transport, not the answer. */
export function requestKey(params: object): string {
  const { stream: _stream, ...rest } = params as Record<string, unknown>;
  return hashJson({ v: MEMO_VERSION, api: 'messages', params: rest });
}

export function memoPath(key: string): string {
  return `claude/memo/${key.slice(0, 2)}/${key}.json`;
}

export async function readMemo(store: ArtifactStore, key: string): Promise<MemoRecord | undefined> {
  // One read (not exists + read): this runs before every call.
  try {
    return JSON.parse((await store.read(memoPath(key))).toString('utf8')) as MemoRecord;
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) return undefined;
    throw err;
  }
}

export async function writeMemo(store: ArtifactStore, record: MemoRecord): Promise<void> {
  await writeJson(store, memoPath(record.key), record, { mediaType: 'application/json' });
}
