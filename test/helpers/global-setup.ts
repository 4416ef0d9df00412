/**
 * Starts the shared services (Temporal dev server, S3 server, …) once per vitest run and
 * stops them after. `REPAIRITY_TEST_SERVICES=temporal,minio` limits which start (default: all).
 */
import type { TestProject } from 'vitest/node';
import { services } from './services/index.js';
import type { RunningService } from './services/types.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wanted = process.env.REPAIRITY_TEST_SERVICES?.split(',').map((s) => s.trim()).filter(Boolean);
  const running: RunningService[] = [];
  for (const [name, start] of Object.entries(services)) {
    if (wanted && !wanted.includes(name)) continue;
    const service = await start();
    running.push(service);
    for (const [key, value] of Object.entries(service.provide)) {
      project.provide(key as never, value as never);
    }
  }
  return async () => {
    for (const service of running.reverse()) await service.stop();
  };
}
