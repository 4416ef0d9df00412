/**
 * The processes a trainer group consists of, read from /proc (Linux, where the workers run).
 * torchrun starts each rank in a session of its own, so neither a signal to torchrun's process
 * group nor torchrun's own death reaches the ranks: the group is followed as a tree instead, and
 * every process once seen in it is remembered (a rank whose torchrun died is re-parented and
 * would otherwise be lost). A pid is named with its start time, so a reused pid is never signalled.
 */
import fs from 'node:fs/promises';

export interface ProcessId {
  pid: number;
  /** Clock ticks after boot at which it started (field 22 of /proc/<pid>/stat). */
  start: string;
}

interface Stat extends ProcessId {
  ppid: number;
  state: string;
}

async function readStat(pid: number): Promise<Stat | undefined> {
  const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: rest[0]!, ppid: Number(rest[1]), start: rest[19]! };
}

/** Whether the process still runs (a zombie has ended: only its parent's wait is owed). */
export async function isRunning(p: ProcessId): Promise<boolean> {
  const s = await readStat(p.pid);
  return s !== undefined && s.start === p.start && s.state !== 'Z' && s.state !== 'X';
}

/** Every live descendant of `root` now. */
export async function descendants(root: number): Promise<ProcessId[]> {
  const children = new Map<number, Stat[]>();
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = await readStat(Number(name));
    if (!s || s.state === 'Z') continue;
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  const out: ProcessId[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      out.push({ pid: c.pid, start: c.start });
      walk(c.pid);
    }
  };
  walk(root);
  return out;
}

/**
 * The descendants of one child of ours, with every member ever seen remembered. The child itself
 * is signalled through its ChildProcess (which never signals a pid it has already reaped).
 */
export class ProcessTree {
  private readonly seen = new Map<number, ProcessId>();

  constructor(private readonly root: number) {}

  /** Records the current descendants; returns them. */
  async refresh(): Promise<ProcessId[]> {
    const now = await descendants(this.root);
    for (const p of now) this.seen.set(p.pid, p);
    return now;
  }

  /** Members seen so far that still run (the root excluded). */
  async alive(): Promise<ProcessId[]> {
    await this.refresh();
    const out: ProcessId[] = [];
    for (const p of this.seen.values()) if (await isRunning(p)) out.push(p);
    return out;
  }

  /** SIGKILLs every member, until none is left (a member may fork while it dies). */
  async killAll(): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const members = await this.alive();
      if (members.length === 0) return;
      for (const p of members) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
