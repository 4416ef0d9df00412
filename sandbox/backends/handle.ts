import type { SupervisorRequest, SupervisorResponse } from '../protocol.js';

/** A running supervisor (in a container, or on the host) that runs one task at a time. */
export interface SupervisorHandle {
  readonly id: string;
  readonly alive: boolean;
  tasksRun: number;
  run(request: SupervisorRequest, options?: { signal?: AbortSignal }): Promise<SupervisorResponse>;
  destroy(): Promise<void>;
}
