/** The trainer's JSON-lines events (see trainer/events.py), parsed and typed. */

export type TrainerEvent =
  | { event: 'start'; stage: string; total: number; step: number; resumed_from: string | null }
  | { event: 'progress'; step: number; total: number }
  | { event: 'metrics'; step: number; [name: string]: number | string }
  | { event: 'checkpoint'; step: number; path: string; rng?: string }
  | { event: 'resumed'; step: number; rng: string }
  | { event: 'stopped'; step: number; checkpoint: string | null }
  | { event: 'done'; output: string; sha256: string }
  | { event: 'error'; kind: 'permanent' | 'transient'; message: string };

/** One stdout line to an event; other lines (a library printing to stdout) give undefined. */
export function parseEvent(line: string): TrainerEvent | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as { event?: unknown };
    return typeof value.event === 'string' ? (value as TrainerEvent) : undefined;
  } catch {
    return undefined;
  }
}

/** The numeric fields of a metrics event. */
export function metricValues(e: Extract<TrainerEvent, { event: 'metrics' }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(e)) if (k !== 'event' && k !== 'step' && typeof v === 'number') out[k] = v;
  return out;
}
