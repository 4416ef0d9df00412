import os from 'node:os';

/** Every sandbox container carries these labels; the reaper finds leftovers by them. */
export const LABEL_SANDBOX = 'io.repairity.sandbox';
/** `<hostname>:<pid>` of the process that created the container. */
export const LABEL_OWNER = 'io.repairity.sandbox.owner';
export const LABEL_CREATED = 'io.repairity.sandbox.created';
/** `pool` or `fresh`. */
export const LABEL_ROLE = 'io.repairity.sandbox.role';

export function ownerLabel(): string {
  return `${os.hostname()}:${process.pid}`;
}

export function sandboxLabels(role: 'pool' | 'fresh', extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...extra,
    [LABEL_SANDBOX]: '1',
    [LABEL_OWNER]: ownerLabel(),
    [LABEL_CREATED]: new Date().toISOString(),
    [LABEL_ROLE]: role,
  };
}
