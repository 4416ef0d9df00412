/**
 * A step's full log, kept in the store as an artifact of the run (`repairity logs` prints it):
 * its log lines and what its kind records (trainer stderr and events, sandbox output, Claude
 * request ids), one file per attempt. A single step's file is rewritten every few seconds while
 * it runs, so `logs --follow` sees it grow; an item's is written once, when it ends.
 */
import type { ArtifactStore } from '../../store/types.js';
import type { StepLogger } from '../../engine/kind.js';
import { runKeys } from './keys.js';

const FLUSH_MS = 2000;
/** Past this size the middle of the log is dropped (its start and its end are what explain a failure). */
const MAX_BYTES = 16 * 1024 * 1024;

export class StepLog {
  private lines: string[] = [];
  private bytes = 0;
  private dropped = 0;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: ArtifactStore,
    private readonly where: { runId: string; stepId: string; itemIndex?: number; attempt: number },
  ) {}

  /** Nothing recorded yet: closing it writes nothing (most forEach items). */
  get empty(): boolean {
    return this.lines.length === 0;
  }

  record(stream: string, text: string): void {
    const line = `${new Date().toISOString()} [${stream}] ${text}`;
    this.lines.push(line);
    this.bytes += line.length + 1;
    while (this.bytes > MAX_BYTES && this.lines.length > 2) {
      const [gone] = this.lines.splice(Math.floor(this.lines.length / 2), 1);
      this.bytes -= gone!.length + 1;
      this.dropped++;
    }
    this.dirty = true;
  }

  /** Rewrites the file every few seconds while the step runs. */
  follow(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), FLUSH_MS);
    this.timer.unref();
  }

  /** Writes what was recorded (nothing when nothing was). */
  async flush(): Promise<void> {
    if (!this.dirty) return this.writing.then(() => undefined);
    this.dirty = false;
    const body = this.dropped > 0 ? [...this.lines.slice(0, 1), `[${this.dropped} lines dropped to keep the log under ${MAX_BYTES} bytes]`, ...this.lines.slice(1)] : this.lines;
    const text = `${body.join('\n')}\n`;
    const { runId, stepId, itemIndex, attempt } = this.where;
    const key = runKeys.stepLog(runId, stepId, itemIndex, attempt);
    this.writing = this.writing.then(() => this.store.put(key, text, { mediaType: 'text/plain', run: runId, step: stepId }));
    await this.writing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}

/**
 * A call's logger: each line goes to the step's log (opened on the first line) and to the worker's
 * log, with the call's fields (run, step, item).
 */
export function teeLogger(worker: StepLogger, fields: Record<string, unknown>, log: () => StepLog): StepLogger {
  const tee = (level: keyof StepLogger): StepLogger[typeof level] => (m, f) => {
    log().record(level, f && Object.keys(f).length > 0 ? `${m} ${JSON.stringify(f)}` : m);
    worker[level](m, { ...fields, ...f });
  };
  return { info: tee('info'), warn: tee('warn'), error: tee('error') };
}
