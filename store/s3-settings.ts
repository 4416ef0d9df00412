/** Settings of the S3 client (no SDK loaded here): the standard AWS variables, parsed by the settings loader. */
import { ENV } from '../core/env.js';
import type { RetryPolicy } from './s3-retry.js';

export interface S3ClientSettings {
  /** Any S3-compatible endpoint (`http://127.0.0.1:9000`). Default: AWS's own endpoint for the region. */
  endpoint?: string;
  /** Default `us-east-1` (what most S3-compatible servers expect). */
  region?: string;
  /** Bucket in the path (`endpoint/bucket/key`) rather than the host name. Default: true when an endpoint is set. */
  forcePathStyle?: boolean;
  /** Static credentials; default: the SDK's provider chain (env, shared files, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  retry?: RetryPolicy;
  /** Socket idle time before a request is abandoned (and retried). Default 120 s. */
  requestTimeoutMs?: number;
  /** Time to open a connection. Default 5 s. */
  connectionTimeoutMs?: number;
  /**
   * Sign uploads with UNSIGNED-PAYLOAD instead of hashing every part for SigV4 (and having the
   * server hash it again to check). Default true: artifacts carry their own end-to-end sha256,
   * verified on every read, so the extra per-request hash buys no integrity; it costs CPU on both
   * sides. Headers are signed either way; use HTTPS for endpoints off the local network.
   */
  unsignedPayload?: boolean;
}

/** The standard AWS settings (and REPAIRITY_S3_FORCE_PATH_STYLE), read from an environment. */
export function readS3Settings(env: NodeJS.ProcessEnv): S3ClientSettings {
  const endpoint = env[ENV.AWS_ENDPOINT_URL_S3] || env[ENV.AWS_ENDPOINT_URL] || undefined;
  const region = env[ENV.AWS_REGION] || env[ENV.AWS_DEFAULT_REGION] || undefined;
  const pathStyle = env[ENV.REPAIRITY_S3_FORCE_PATH_STYLE];
  const accessKeyId = env[ENV.AWS_ACCESS_KEY_ID];
  const secretAccessKey = env[ENV.AWS_SECRET_ACCESS_KEY];
  const sessionToken = env[ENV.AWS_SESSION_TOKEN];
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(pathStyle !== undefined && pathStyle !== '' ? { forcePathStyle: /^(1|true|yes)$/i.test(pathStyle) } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
  };
}
