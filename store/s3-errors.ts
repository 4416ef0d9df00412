/** SDK errors -> the project's error hierarchy, with messages that name the object and say what to do. */
import { ArtifactNotFoundError, PermanentError, TransientError } from '../core/errors.js';

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

export function isNotFound(err: unknown): boolean {
  const e = err as SdkErrorShape;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

export function translateS3Error(err: unknown, what: string, artifact: string): Error {
  if (err instanceof PermanentError || err instanceof TransientError) return err;
  const e = err as SdkErrorShape;
  const status = e?.$metadata?.httpStatusCode;
  const detail = `${e?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(err)}`;
  if (e?.name === 'NoSuchBucket') {
    return new PermanentError(`${what} ${artifact}: the bucket does not exist; create it or fix REPAIRITY_STORE. ${detail}`, { artifact }, { cause: err });
  }
  if (isNotFound(err)) return new ArtifactNotFoundError(`artifact ${artifact} not found (${what})`, { artifact }, { cause: err });
  if (status === 401 || status === 403) {
    return new PermanentError(`${what} ${artifact}: access denied; check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and the bucket policy. ${detail}`, { artifact }, { cause: err });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new PermanentError(`${what} ${artifact} failed: ${detail}`, { artifact }, { cause: err });
  }
  // 5xx, throttling, timeouts, refused or reset connections: the SDK already retried; a later attempt may work.
  return new TransientError(`${what} ${artifact} failed after retries: ${detail}; the S3 endpoint may be down or overloaded`, { artifact }, { cause: err });
}
