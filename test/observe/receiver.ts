/** A local webhook receiver: records each POST body; answers with the statuses it is given, then 200. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Receiver {
  url: string;
  /** Every POST, in order, with the status it was answered. */
  posts: { status: number; body: { text: string; blocks?: unknown[] } }[];
  /** Statuses to answer the next POSTs with (then 200). */
  failNext(...statuses: number[]): void;
  /** Bodies of the POSTs answered 2xx. */
  accepted(): { text: string }[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const queue: number[] = [];
  const posts: Receiver['posts'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = queue.shift() ?? 200;
      posts.push({ status, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-token`,
    posts,
    failNext: (...statuses) => queue.push(...statuses),
    accepted: () => posts.filter((p) => p.status < 300).map((p) => p.body),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
