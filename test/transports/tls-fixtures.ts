import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createProxy, type ProxyServer } from 'proxy';

/** A throwaway certificate authority with a server certificate (127.0.0.1, localhost) and a client certificate. */
export interface TestCertificates {
  /** The CA certificate, PEM. */
  readonly ca: string;
  readonly serverKey: string;
  readonly serverCert: string;
  readonly clientKey: string;
  readonly clientCert: string;
  /** Another CA that signed nothing here: trusting only it must fail. */
  readonly otherCa: string;
}

/** Generates the certificates with the `openssl` CLI (P-256 keys, valid 2 days). */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'pg-tls-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    for (const ca of ['ca', 'other-ca']) {
      openssl(
        'req',
        '-x509',
        ...ec,
        '-keyout',
        file(`${ca}.key`),
        '-out',
        file(`${ca}.crt`),
        '-days',
        '2',
        '-subj',
        `/CN=Posta Guvercini test ${ca}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      );
    }
    const leaf = (name: string, subject: string, extensions: string): void => {
      openssl(
        'req',
        ...ec,
        '-keyout',
        file(`${name}.key`),
        '-out',
        file(`${name}.csr`),
        '-subj',
        subject,
      );
      writeFileSync(file(`${name}.ext`), extensions);
      openssl(
        'x509',
        '-req',
        '-in',
        file(`${name}.csr`),
        '-CA',
        file('ca.crt'),
        '-CAkey',
        file('ca.key'),
        '-CAcreateserial',
        '-out',
        file(`${name}.crt`),
        '-days',
        '2',
        '-extfile',
        file(`${name}.ext`),
      );
    };
    leaf(
      'server',
      '/CN=127.0.0.1',
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
    );
    leaf('client', '/CN=bank-app', 'extendedKeyUsage=clientAuth\n');
    const read = (name: string): string => readFileSync(file(name), 'utf8');
    return {
      ca: read('ca.crt'),
      serverKey: read('server.key'),
      serverCert: read('server.crt'),
      clientKey: read('client.key'),
      clientCert: read('client.crt'),
      otherCa: read('other-ca.crt'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A real forward proxy (the `proxy` package, CONNECT and plain), recording what it was asked. */
export interface TestProxy {
  readonly url: string;
  readonly port: number;
  /** `CONNECT host:port` requests received (tunnels opened), in order. */
  readonly connects: string[];
  /** Proxy-Authorization headers received (to check credentials arrive, then never print them). */
  readonly authorizations: (string | undefined)[];
  /** TCP connections accepted from clients. */
  connections(): number;
  /** Refuse every request with 407 from now on. */
  refuseAll(): void;
  close(): Promise<void>;
}

/**
 * Starts a forward proxy on 127.0.0.1. With `credentials` ('user:password'), requests without
 * the matching `Proxy-Authorization: Basic …` get 407.
 */
export async function startTestProxy(credentials?: string): Promise<TestProxy> {
  const server: ProxyServer = createProxy(createServer());
  const connects: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  let refusing = false;
  const expected =
    credentials === undefined ? undefined : `Basic ${Buffer.from(credentials).toString('base64')}`;
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: { url?: string }) => {
    connects.push(req.url ?? '');
  });
  server.authenticate = (req) => {
    const header = req.headers['proxy-authorization'];
    authorizations.push(header);
    if (refusing) return false;
    return expected === undefined || header === expected;
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    authorizations,
    connections: () => accepted,
    refuseAll: () => {
      refusing = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        (server as Server).close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
