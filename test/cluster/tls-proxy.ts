/**
 * A TLS-terminating gRPC proxy (nginx, `grpc_pass`) in front of the dev server, with a private CA:
 * one port with TLS, one with mTLS (client certificate required). The dev server has no TLS
 * options of its own; this stands in for a cluster's TLS frontend.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../dev-services/free-port.js';

export const SERVER_NAME = 'temporal.test';

export interface TlsProxy {
  tlsAddress: string;
  mtlsAddress: string;
  ca: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here. */
  otherCa: string;
  stop(): Promise<void>;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, and a server and a client certificate it signs; another CA unrelated to them. */
async function makeCertificates(dir: string): Promise<void> {
  for (const ca of ['ca', 'other-ca']) openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=${ca} test`);
  await fs.writeFile(path.join(dir, 'server.ext'), `subjectAltName=DNS:${SERVER_NAME},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`);
  await fs.writeFile(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who === 'server' ? SERVER_NAME : 'repairity-worker'}`);
    openssl(dir, 'x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '2', '-extfile', `${who}.ext`);
  }
}

function nginxConf(dir: string, upstream: string, tlsPort: number, mtlsPort: number): string {
  const server = (port: number, mtls: boolean) => `
    server {
      listen 127.0.0.1:${port} ssl http2;
      ssl_certificate ${dir}/server.pem;
      ssl_certificate_key ${dir}/server.key;
      ${mtls ? `ssl_client_certificate ${dir}/ca.pem;\n      ssl_verify_client on;` : ''}
      location / {
        grpc_pass grpc://${upstream};
        grpc_read_timeout 300s;
        grpc_send_timeout 300s;
      }
    }`;
  return `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  client_max_body_size 0;
  ${server(tlsPort, false)}
  ${server(mtlsPort, true)}
}
`;
}

export async function startTlsProxy(dir: string, upstream: string): Promise<TlsProxy> {
  await makeCertificates(dir);
  await fs.mkdir(path.join(dir, 'tmp'), { recursive: true });
  const [tlsPort, mtlsPort] = [await freePort(), await freePort()];
  await fs.writeFile(path.join(dir, 'nginx.conf'), nginxConf(dir, upstream, tlsPort, mtlsPort));
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  // Ready once both ports accept connections.
  const open = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  for (let i = 0; i < 100 && !((await open(tlsPort)) && (await open(mtlsPort))); i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start-up: ${await fs.readFile(path.join(dir, 'error.log'), 'utf8').catch(() => '')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    tlsAddress: `127.0.0.1:${tlsPort}`,
    mtlsAddress: `127.0.0.1:${mtlsPort}`,
    ca: path.join(dir, 'ca.pem'),
    clientCert: path.join(dir, 'client.pem'),
    clientKey: path.join(dir, 'client.key'),
    otherCa: path.join(dir, 'other-ca.pem'),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
