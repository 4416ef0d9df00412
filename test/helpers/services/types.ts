/** A real service the integration tests share, started once per vitest run. */
export interface RunningService {
  /** Values handed to tests through vitest's `inject(name)`. */
  provide: Record<string, string>;
  stop(): Promise<void>;
}

export type ServiceStarter = () => Promise<RunningService>;
