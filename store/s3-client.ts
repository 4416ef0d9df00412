/** Builds the S3 client the S3 store uses, from settings read once at the edge (worker/settings.ts). */
import { S3Client } from '@aws-sdk/client-s3';
import { PerRequestRetryStrategy } from './s3-retry.js';
import type { S3ClientSettings } from './s3-settings.js';

export type { S3ClientSettings } from './s3-settings.js';

const UPLOAD_COMMANDS = new Set(['PutObjectCommand', 'UploadPartCommand']);

export function createS3Client(settings: S3ClientSettings = {}): S3Client {
  const client = new S3Client({
    region: settings.region ?? 'us-east-1',
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle ?? settings.endpoint !== undefined,
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    retryStrategy: new PerRequestRetryStrategy(settings.retry),
    requestHandler: {
      requestTimeout: settings.requestTimeoutMs ?? 120_000,
      connectionTimeout: settings.connectionTimeoutMs ?? 5_000,
    },
    // Integrity is end-to-end sha256 (verified on every read of a blob); skip the SDK's extra CRC pass.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  if (settings.unsignedPayload ?? true) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (UPLOAD_COMMANDS.has(context.commandName ?? '') && request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        return next(args);
      },
      { step: 'build', name: 'repairityUnsignedPayload' },
    );
  }
  return client;
}
