/**
 * A trainer group: `torchrun` (torch.distributed.run, from the trainer's environment) starting
 * one trainer process per rank, as a stage's `config.distributed` asks. World size 1 never comes
 * here: it keeps the single-process launch of process.ts.
 *
 * The group is one unit of failure. torchrun runs without restarts (a retry of the activity is
 * the restart, from the last committed checkpoint): when a rank dies it stops the others and
 * exits non-zero. torchrun gets SIGTERM when the worker dies (PR_SET_PDEATHSIG, set before it
 * starts) and passes it on to every rank; its own SIGKILL reaches the ranks through
 * `--watch-parent`. Cancellation sends SIGTERM to every rank (they write a final checkpoint). Whatever is left of the tree when torchrun ends is killed, so
 * `exited` resolves only once no process of the group runs.
 */
import { spawn } from 'node:child_process';
import { PermanentError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import { ProcessTree } from './process-tree.js';
import type { TrainerCommand, TrainerExit, TrainerProcess } from './process.js';

export interface TrainerGroup {
  /** Ranks on this node (torchrun's --nproc-per-node). */
  nprocPerNode: number;
  nnodes: number;
  /** `host:port` of the c10d rendezvous; required with several nodes, absent = a local one. */
  rdzvEndpoint?: string;
}

export const worldSize = (g: TrainerGroup): number => g.nprocPerNode * g.nnodes;

/** The group a stage configuration asks for (`distributed`), or undefined for one process. */
export function groupOf(config: Record<string, unknown>, stepId: string): TrainerGroup | undefined {
  const d = config.distributed;
  if (d === undefined || d === null) return undefined;
  const count = (name: string): number => {
    const v = (d as Record<string, unknown>)[name] ?? 1;
    if (!Number.isInteger(v) || (v as number) < 1) {
      throw new PermanentError(`step "${stepId}": config.distributed.${name} must be a positive integer, got ${JSON.stringify(v)}`, { step: stepId });
    }
    return v as number;
  };
  if (typeof d !== 'object' || Array.isArray(d)) {
    throw new PermanentError(`step "${stepId}": config.distributed must be an object (nproc_per_node, nnodes, rdzv_endpoint)`, { step: stepId });
  }
  const group: TrainerGroup = { nprocPerNode: count('nproc_per_node'), nnodes: count('nnodes') };
  const endpoint = (d as Record<string, unknown>).rdzv_endpoint;
  if (typeof endpoint === 'string' && endpoint.trim()) group.rdzvEndpoint = endpoint.trim();
  if (group.nnodes > 1 && !group.rdzvEndpoint) {
    throw new PermanentError(`step "${stepId}": config.distributed.nnodes is ${group.nnodes}, so rdzv_endpoint (host:port reachable from every node) is required`, { step: stepId });
  }
  return worldSize(group) > 1 ? group : undefined;
}

/** torchrun's options for a group; `key` names the rendezvous (the step invocation's key). */
export function torchrunArgs(group: TrainerGroup, key: string): string[] {
  const shape = ['--nnodes', String(group.nnodes), '--nproc-per-node', String(group.nprocPerNode), '--max-restarts', '0', '--monitor-interval', '0.5'];
  if (!group.rdzvEndpoint) return ['--standalone', ...shape];
  return [...shape, '--rdzv-backend', 'c10d', '--rdzv-endpoint', group.rdzvEndpoint, '--rdzv-id', sha256Hex(key).slice(0, 16)];
}

/** Runs as `python -c`: asks for SIGTERM when the launching worker dies, then becomes torchrun. */
const DIE_WITH_PARENT = [
  'import ctypes, os, signal, sys',
  'ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG',
  'sys.exit(3) if os.getppid() != int(sys.argv[1]) else os.execv(sys.executable, [sys.executable, *sys.argv[2:]])',
].join('\n');

const WATCH_MS = 500;

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone meanwhile
  }
}

export interface GroupLaunch {
  python: string;
  env: NodeJS.ProcessEnv;
}

/** Starts torchrun for `cmd.group`, in the attempt's work folder. */
export function startGroup(launch: GroupLaunch, cmd: TrainerCommand & { group: TrainerGroup }): TrainerProcess {
  const argv = ['-c', DIE_WITH_PARENT, String(process.pid), '-m', 'torch.distributed.run', ...torchrunArgs(cmd.group, cmd.key), '-m', 'trainer', ...cmd.args];
  const child = spawn(launch.python, argv, { cwd: cmd.workDir, env: { ...launch.env, ...cmd.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const tree = new ProcessTree(child.pid ?? -1);
  const watch = setInterval(() => void tree.refresh().catch(() => undefined), WATCH_MS);
  watch.unref();
  const exited = new Promise<TrainerExit>((resolve, reject) => {
    child.once('error', (err) => {
      clearInterval(watch);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearInterval(watch);
      void tree.killAll().finally(() => resolve({ code, signal }));
    });
  });
  return {
    stdout: child.stdout!,
    stderr: child.stderr!,
    // To the ranks themselves: torchrun would SIGKILL them 30 s after passing a SIGTERM on,
    // which may be sooner than a final checkpoint is written.
    terminate: () =>
      void tree.alive().then((ranks) => {
        if (ranks.length === 0) child.kill('SIGTERM');
        for (const r of ranks) signal(r.pid, 'SIGTERM');
      }),
    kill: () => {
      child.kill('SIGKILL');
      void tree.killAll();
    },
    exited,
  };
}

/** The first failed rank, from torchrun's "Root Cause" report at the end of its stderr ("" when absent). */
export function rootCause(stderrTail: readonly string[]): string {
  const at = stderrTail.findIndex((l) => l.includes('Root Cause'));
  if (at < 0) return '';
  const after = stderrTail.slice(at);
  const rank = after.map((l) => /^\s*rank\s*:\s*(\d+)/.exec(l)).find(Boolean)?.[1];
  const code = after.map((l) => /^\s*exitcode\s*:\s*(-?\d+)[^(]*(?:\(pid[^)]*\))?\s*(?:\((SIG\w+)\))?/.exec(l)).find(Boolean);
  if (rank === undefined || !code) return '';
  return code[2] ? `: rank ${rank} was killed by ${code[2]}` : `: rank ${rank} exited with code ${code[1]}`;
}
