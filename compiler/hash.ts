/** Content hashes: sha256 of text, and of RFC 8785 canonical JSON (same value, same bytes). */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function canonicalHash(value: unknown): string {
  return sha256(canonicalize(value) ?? 'null');
}
