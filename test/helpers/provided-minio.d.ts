import 'vitest';

/** What the shared MinIO service (test/helpers/services/minio.ts) provides to tests. */
declare module 'vitest' {
  export interface ProvidedContext {
    minioEndpoint: string;
    minioAccessKey: string;
    minioSecretKey: string;
    minioBucket: string;
  }
}
