/**
 * The Temporal connection options (client and worker alike) built from TemporalSecurity: the TLS
 * files read once, and what to tell the user when a secured connection is refused.
 */
import fs from 'node:fs';
import tls from 'node:tls';
import { ENV, type TemporalSecurity } from './env.js';
import { PermanentError } from './errors.js';

/** Both @temporalio/client's Connection and @temporalio/worker's NativeConnection take this shape. */
export interface TemporalConnectionSecurity {
  tls?: { serverNameOverride?: string; serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } };
  apiKey?: string;
}

function readPem(file: string, setting: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new PermanentError(`${setting}=${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): point it at a PEM file`);
  }
}

export function connectionSecurity(s: TemporalSecurity): TemporalConnectionSecurity {
  const out: TemporalConnectionSecurity = {};
  if (s.tls) {
    const t = s.tls;
    out.tls = {
      ...(t.serverName ? { serverNameOverride: t.serverName } : {}),
      ...(t.caFile ? { serverRootCACertificate: readPem(t.caFile, ENV.TEMPORAL_TLS_CA) } : {}),
      ...(t.certFile && t.keyFile ? { clientCertPair: { crt: readPem(t.certFile, ENV.TEMPORAL_TLS_CERT), key: readPem(t.keyFile, ENV.TEMPORAL_TLS_KEY) } } : {}),
    };
  }
  if (s.apiKey) out.apiKey = s.apiKey;
  return out;
}

const PROBE_MS = 3000;

/**
 * The gRPC client reports a refused handshake only as a missed deadline: a TLS handshake of our own
 * with the same settings finds the reason. Without TLS settings it checks whether the server
 * speaks TLS. `ok`: the handshake went through; `absent`: nothing answers.
 */
export function probeTls(address: string, s: TemporalSecurity): Promise<{ failed: string } | 'ok' | 'absent'> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  const port = Number(address.slice(at + 1));
  const sec = s.tls ? connectionSecurity(s).tls! : undefined;
  return new Promise((resolve) => {
    let settled = false;
    const done = (why: { failed: string } | 'ok' | 'absent') => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(why);
    };
    const socket = tls.connect({
      host,
      port,
      ALPNProtocols: ['h2'],
      servername: sec?.serverNameOverride ?? host,
      ...(sec?.serverRootCACertificate ? { ca: sec.serverRootCACertificate } : {}),
      ...(sec?.clientCertPair ? { cert: sec.clientCertPair.crt, key: sec.clientCertPair.key } : {}),
      rejectUnauthorized: sec !== undefined,
    });
    socket.setTimeout(PROBE_MS, () => done('absent'));
    // A server that wants a client certificate says so with an alert after the handshake (TLS 1.3).
    socket.once('secureConnect', () => setTimeout(() => done(sec ? 'ok' : { failed: 'the server answered with a TLS handshake' }), 300));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'absent' : { failed: `${err.message}${err.code ? ` (${err.code})` : ''}` }));
  });
}

/** The message of a failed connection, with what to do about it: from how it failed, how it was secured, and a TLS probe. */
export async function explainConnectionFailure(address: string, message: string, s: TemporalSecurity): Promise<string> {
  const probe = await probeTls(address, s);
  if (typeof probe === 'object') return `TLS: ${probe.failed}. ${connectionHint(probe.failed, s)}`;
  // The handshake goes through but the frontend refuses the calls (a proxy checks client certificates after it).
  if (probe === 'ok' && s.tls && !s.tls.certFile) return `${message}. The TLS handshake went through but the server refused the connection: if it requires client certificates (mTLS), set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY`;
  return `${message}. ${connectionHint(message, s)}`;
}

/** What to do about a failed connection, from how it failed and how it was secured. */
export function connectionHint(message: string, s: TemporalSecurity): string {
  const m = message.toLowerCase();
  if (/certificate|ssl|tls|handshake|unknown ca|self.signed|issuer/.test(m)) {
    if (!s.tls) return 'the server speaks TLS: set TEMPORAL_TLS=true (and TEMPORAL_TLS_CA if its certificate is signed by a private CA)';
    if (/certificate required|alert number 116|bad certificate|alert/.test(m) && !s.tls.certFile) return 'the server asks for a client certificate (mTLS): set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY';
    return s.tls.caFile
      ? `the TLS handshake failed: check that ${ENV.TEMPORAL_TLS_CA} is the CA that signed the server's certificate and that ${ENV.TEMPORAL_TLS_SERVER_NAME} matches a name in it`
      : `the server's certificate is not trusted: set ${ENV.TEMPORAL_TLS_CA} to the PEM file of the CA that signed it`;
  }
  if (s.tls && /connection reset|unexpected eof|protocol|http2|h2/.test(m)) return 'the server may not speak TLS at this address: unset the TEMPORAL_TLS settings, or use the TLS port';
  return 'start a dev server with "repairity dev" (or "temporal server start-dev"), or point --address / TEMPORAL_ADDRESS at your cluster';
}
