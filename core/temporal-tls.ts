/**
 * The Temporal connection options (client and worker alike) built from TemporalSecurity: the TLS
 * files read once, and what to tell the user when a secured connection is refused.
 */
import fs from 'node:fs';
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

/** What to do about a failed connection, from how it failed and how it was secured. */
export function connectionHint(message: string, s: TemporalSecurity): string {
  const m = message.toLowerCase();
  if (/certificate|ssl|tls|handshake|unknown ca|self.signed|issuer/.test(m)) {
    if (!s.tls) return 'the server speaks TLS: set TEMPORAL_TLS=true (and TEMPORAL_TLS_CA if its certificate is signed by a private CA)';
    if (/certificate required|bad certificate|alert/.test(m) && !s.tls.certFile) return 'the server asks for a client certificate (mTLS): set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY';
    return s.tls.caFile
      ? `the TLS handshake failed: check that ${ENV.TEMPORAL_TLS_CA} is the CA that signed the server's certificate and that ${ENV.TEMPORAL_TLS_SERVER_NAME} matches a name in it`
      : `the server's certificate is not trusted: set ${ENV.TEMPORAL_TLS_CA} to the PEM file of the CA that signed it`;
  }
  if (s.tls && /connection reset|unexpected eof|protocol|http2|h2/.test(m)) return 'the server may not speak TLS at this address: unset the TEMPORAL_TLS settings, or use the TLS port';
  return 'start a dev server with "repairity dev" (or "temporal server start-dev"), or point --address / TEMPORAL_ADDRESS at your cluster';
}
