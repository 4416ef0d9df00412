/**
 * The shared MinIO of a vitest run (dev-services/minio.ts): one server with a bucket, whose
 * endpoint, credentials and bucket tests read with `inject('minioEndpoint')`, …. Tests that stop
 * and restart the server (fault tests) start their own with `startTestMinio`.
 */
import { startMinio, type MinioServer, type StartMinioOptions } from '../../../dev-services/minio.js';
import type { RunningService } from './types.js';
import { loadSettings } from '../../../worker/settings.js';

export const TEST_BUCKET = 'repairity-test';

export function startTestMinio(opts: Omit<StartMinioOptions, 'binary'> = {}): Promise<MinioServer> {
  return startMinio({ binary: loadSettings().defaults.minioBin, ...opts });
}

export async function startMinioService(): Promise<RunningService> {
  const server = await startTestMinio();
  await server.createBucket(TEST_BUCKET);
  return {
    provide: {
      minioEndpoint: server.endpoint,
      minioAccessKey: server.accessKey,
      minioSecretKey: server.secretKey,
      minioBucket: TEST_BUCKET,
    },
    stop: () => server.stop(),
  };
}
