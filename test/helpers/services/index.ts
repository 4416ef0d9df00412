/** Every shared service, by name. Each area adds its one line. */
import { startDocker } from './docker.js';
import { startMinioService } from './minio.js';
import { startTemporal } from './temporal.js';
import type { ServiceStarter } from './types.js';

export const services: Record<string, ServiceStarter> = {
  temporal: startTemporal,
  minio: startMinioService,
  docker: startDocker,
};
