/**
 * Quick answers before and after connecting to Temporal: an address where nothing listens fails
 * at once (the client would retry until its deadline), and a server that answers HTTP/2 but is no
 * Temporal frontend is named as such, in one line, not as the client library's trace.
 */
import net from 'node:net';
import type { Connection } from '@temporalio/client';
import { PermanentError, TransientError } from '../core/errors.js';

const PROBE_TIMEOUT_MS = 3000;
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens there)',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'the host name cannot be resolved now',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** `host:port` or `[v6]:port`; undefined when the address is not in that form. */
function hostAndPort(address: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address.trim());
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

/** Throws TransientError at once when a TCP connection to `address` is refused or cannot be routed. */
export async function probeTcp(address: string, hint: string): Promise<void> {
  const target = hostAndPort(address);
  if (!target) return;
  const failure = await new Promise<string | undefined>((resolve) => {
    const socket = net.connect(target);
    const done = (why: string | undefined): void => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(undefined));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(UNREACHABLE[err.code ?? ''] ?? undefined));
  });
  if (failure) throw new TransientError(`cannot reach Temporal at ${address}: ${failure}. ${hint}`);
}

/**
 * Asks the frontend for its system info (every Temporal server since 1.15 answers; the client
 * itself lets UNIMPLEMENTED pass, for older servers): a server that is not Temporal is said in one line.
 */
export async function checkTemporal(connection: Connection, address: string, hint: string): Promise<void> {
  try {
    await connection.workflowService.getSystemInfo({});
  } catch (err) {
    const e = err as { code?: number; details?: string; message?: string };
    // gRPC status codes: 12 UNIMPLEMENTED, 14 UNAVAILABLE.
    if (e.code === 12) throw new PermanentError(`the server at ${address} answers HTTP/2 but is not a Temporal frontend (${firstLine(e.details ?? e.message)}). ${hint}`);
    if (e.code === 14) throw new TransientError(`cannot reach Temporal at ${address}: ${firstLine(e.details ?? e.message)}. ${hint}`);
    throw new TransientError(`Temporal at ${address} did not answer as expected: ${firstLine(e.details ?? e.message)}`);
  }
}

function firstLine(text: string | undefined): string {
  return (text ?? 'no details').split('\n')[0]!.slice(0, 200);
}
