/**
 * A modelled network link for the artifact bench: a TCP proxy in front of the S3 server in which
 * every connection is a pipe of fixed bandwidth (`bytesPerSecond`, in each direction) and fixed
 * one-way delay (`rttMs / 2`). It models what loopback does not: on real S3 one connection carries
 * only so much (AWS's S3 performance guide: "make one concurrent request for each 85–90 MB/s of
 * desired network throughput"), so parallel parts on separate connections add up.
 *
 * Not modelled: TCP slow start, loss and congestion, an aggregate cap over all connections (the
 * NIC), or the server's own limits. Bytes are paced in the order they arrive; a connection's queue
 * is bounded so a sender feels back-pressure as it would from a full TCP window.
 *
 * Run as its own process (`startLink` spawns it) so that pacing does not compete with the client
 * for the bench process's event loop. As a script: `tsx link.ts <targetPort> <bytesPerSecond> <rttMs>`
 * prints `{"port": N}` once listening.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export interface LinkOptions {
  targetHost?: string;
  targetPort: number;
  /** Per connection and direction. */
  bytesPerSecond: number;
  /** Round-trip time added to every connection (half each way). */
  rttMs: number;
}

/** Paces `src` -> `dst`: each chunk leaves when the pipe is free, and arrives one-way-delay later. */
function pace(src: net.Socket, dst: net.Socket, bytesPerSecond: number, oneWayMs: number): void {
  const queue: { at: number; chunk: Buffer }[] = [];
  let queued = 0;
  // Bound what is in flight: the link's bandwidth-delay product, at least 1 MiB.
  const window = Math.max(1 << 20, (bytesPerSecond * oneWayMs * 2) / 1000);
  let linkFreeAt = 0;
  let ended = false;
  let timer: NodeJS.Timeout | undefined;

  const deliver = (): void => {
    timer = undefined;
    const now = performance.now();
    // Everything due goes out in one write (corked): fewer system calls, so the proxy's own CPU
    // (which the faster side pays more of per second) stays small.
    dst.cork();
    while (queue.length > 0 && queue[0]!.at <= now) {
      const { chunk } = queue.shift()!;
      queued -= chunk.length;
      dst.write(chunk);
    }
    dst.uncork();
    if (queued < window / 2 && src.isPaused() && !ended) src.resume();
    if (queue.length > 0) timer = setTimeout(deliver, Math.max(0, queue[0]!.at - now));
    else if (ended) dst.end();
  };

  src.on('data', (chunk: Buffer) => {
    const now = performance.now();
    linkFreeAt = Math.max(linkFreeAt, now) + (chunk.length * 1000) / bytesPerSecond;
    queue.push({ at: linkFreeAt + oneWayMs, chunk });
    queued += chunk.length;
    if (queued >= window) src.pause();
    if (!timer) timer = setTimeout(deliver, Math.max(0, queue[0]!.at - now));
  });
  src.on('end', () => {
    ended = true;
    if (!timer) deliver();
  });
  src.on('close', () => {
    if (!ended) dst.destroy();
  });
  dst.on('close', (hadError: boolean) => {
    // Nothing more can be written this way. A clean close leaves `src` to the other direction, which
    // still delivers what it holds (say, the server's answer before its FIN); a reset tears both down.
    clearTimeout(timer);
    queue.length = 0;
    if (hadError) src.destroy();
  });
}

export function serveLink(o: LinkOptions, port = 0): Promise<net.Server> {
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host: o.targetHost ?? '127.0.0.1', port: o.targetPort });
    upstream.setNoDelay(true);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    pace(client, upstream, o.bytesPerSecond, o.rttMs / 2);
    pace(upstream, client, o.bytesPerSecond, o.rttMs / 2);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

export interface RunningLink {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts the link in a child process (same Node and loader flags as this one); resolves when it listens. */
export async function startLink(o: LinkOptions): Promise<RunningLink> {
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), String(o.targetPort), String(o.bytesPerSecond), String(o.rttMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":\s*(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the modelled link exited (code ${code}) before listening`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      process.removeListener('exit', reap);
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [targetPort, bytesPerSecond, rttMs] = process.argv.slice(2).map(Number);
  const server = await serveLink({ targetPort: targetPort!, bytesPerSecond: bytesPerSecond!, rttMs: rttMs! });
  process.stdout.write(`${JSON.stringify({ port: (server.address() as net.AddressInfo).port })}\n`);
  process.on('SIGTERM', () => process.exit(0));
}
