import { inspect } from 'node:util';
import { Test } from '@nestjs/testing';
import { InvalidOptionsError } from '../../lib/errors/validation.error.js';
import { SmsConnectionError } from '../../lib/errors/transport.error.js';
import { PostaGuverciniModule } from '../../lib/posta-guvercini.module.js';
import { PostaGuverciniSimulator } from '../../lib/testing/simulator/posta-guvercini.simulator.js';
import { SmsTransport } from '../../lib/transports/sms-transport.js';
import type { WireTransport } from '../../lib/transports/wire/wire.transport.js';
import type { WireTransportOptions } from '../../lib/transports/wire-transport.options.js';
import { numbers, TURKISH_TEXT, WIRE_APIS, WIRE_TRANSPORTS } from './transport-fixtures.js';
import {
  closedPort,
  makeTestCertificates,
  startTestProxy,
  type TestCertificates,
  type TestProxy,
} from './tls-fixtures.js';

const PROXY_CREDENTIALS = 'bank-app:Pr0xy-S3cret';
const PROXY_PASSWORD = 'Pr0xy-S3cret';

let certs: TestCertificates;
let sim: PostaGuverciniSimulator;

beforeAll(async () => {
  certs = makeTestCertificates();
  sim = new PostaGuverciniSimulator({ tls: { key: certs.serverKey, cert: certs.serverCert } });
  await sim.start();
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => sim.reset());

/** Sends one OTP, asks its status and the credit: every kind of request of a transport. */
async function exercise(transport: WireTransport): Promise<void> {
  const [to] = numbers(1);
  const result = await transport.send({ channel: 'otp', to: [to!], text: TURKISH_TEXT });
  expect(result.recipients[0]).toMatchObject({ status: 'accepted' });
  const id = (result.recipients[0] as { messageId: string }).messageId;
  const [report] = await transport.status({ channel: 'otp', messageIds: [id] });
  expect(report).toMatchObject({ messageId: id });
  await expect(transport.credit('otp')).resolves.toMatchObject({ channel: 'otp' });
  expect(sim.lastMessageTo(to!)?.text).toBe(TURKISH_TEXT);
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

function loopbackAccounts(baseUrl: string): WireTransportOptions['accounts'] {
  return { otp: { username: 'otp-user', password: 'otp-secret', baseUrl } };
}

describe.each(WIRE_APIS)('%s transport: custom TLS', (api) => {
  const make = (options: Omit<WireTransportOptions, 'accounts'>): WireTransport =>
    WIRE_TRANSPORTS[api]({ accounts: sim.accounts, ...options });

  it('talks to a server whose certificate a custom CA signed (tls.ca as a string and as a Buffer)', async () => {
    for (const ca of [certs.ca, Buffer.from(certs.ca)]) {
      const transport = make({ tls: { ca } });
      try {
        await exercise(transport);
      } finally {
        await transport.close();
      }
    }
  });

  it('refuses a server certificate no trusted CA signed: SmsConnectionError, maybeAccepted false, nothing sent', async () => {
    for (const tls of [undefined, { ca: certs.otherCa }]) {
      const transport = make(tls === undefined ? {} : { tls });
      try {
        const error = await failureOf(
          transport.send({ channel: 'otp', to: numbers(1), text: 'Kod: 1234' }),
        );
        expect(error).toBeInstanceOf(SmsConnectionError);
        expect(error).toMatchObject({ code: 'TRANSPORT_CONNECTION', maybeAccepted: false });
      } finally {
        await transport.close();
      }
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('rejectUnauthorized: false is accepted for a loopback base URL (a local simulator)', async () => {
    const transport = make({ tls: { rejectUnauthorized: false } });
    try {
      await exercise(transport);
    } finally {
      await transport.close();
    }
  });
});

describe('custom TLS: options', () => {
  it('rejectUnauthorized: false is refused unless every base URL is loopback', async () => {
    for (const api of WIRE_APIS) {
      expect(() =>
        WIRE_TRANSPORTS[api]({
          accounts: {
            otp: { username: 'u', password: 'p', baseUrl: 'https://127.0.0.1:1' },
            bulk: { username: 'u', password: 'p' },
          },
          tls: { rejectUnauthorized: false },
        }),
      ).toThrow(InvalidOptionsError);
    }
    await expect(
      Test.createTestingModule({
        imports: [
          PostaGuverciniModule.forRoot({
            transport: 'json',
            accounts: { otp: { username: 'u', password: 'p' } },
            tls: { rejectUnauthorized: false },
          }),
        ],
      }).compile(),
    ).rejects.toThrow(/tls\.rejectUnauthorized/);
  });

  it('wrong shapes are refused with the option named, before any connection', () => {
    const accounts = loopbackAccounts('https://127.0.0.1:1');
    const cases: [unknown, RegExp][] = [
      [{ ca: 42 }, /tls\.ca/],
      [{ ca: '' }, /tls\.ca/],
      [{ cert: certs.clientCert }, /tls\.key/],
      [{ key: certs.clientKey }, /tls\.cert/],
      [{ rejectUnauthorized: 'no' }, /tls\.rejectUnauthorized/],
      [{ servername: 'x' }, /tls\.servername/],
      ['ca', /"tls"/],
    ];
    for (const [tls, message] of cases) {
      expect(() => WIRE_TRANSPORTS.json({ accounts, tls } as WireTransportOptions)).toThrow(
        message,
      );
    }
  });

  it('a client certificate (tls.cert + tls.key) is presented to a server that requires one', async () => {
    const mtls = new PostaGuverciniSimulator({
      tls: {
        key: certs.serverKey,
        cert: certs.serverCert,
        requestClientCertificateCa: certs.ca,
      },
    });
    await mtls.start();
    const withCert = WIRE_TRANSPORTS.xml({
      accounts: mtls.accounts,
      tls: { ca: certs.ca, cert: certs.clientCert, key: Buffer.from(certs.clientKey) },
    });
    const withoutCert = WIRE_TRANSPORTS.xml({ accounts: mtls.accounts, tls: { ca: certs.ca } });
    try {
      await expect(withCert.credit('otp')).resolves.toMatchObject({ channel: 'otp' });
      await expect(withoutCert.credit('otp')).rejects.toBeInstanceOf(SmsConnectionError);
      expect(mtls.requests).toHaveLength(1);
    } finally {
      await withCert.close();
      await withoutCert.close();
      await mtls.stop();
    }
  });
});

describe.each(WIRE_APIS)('%s transport: egress proxy (URL)', (api) => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startTestProxy(PROXY_CREDENTIALS);
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('tunnels HTTPS through the proxy with CONNECT, authenticating with the URL credentials', async () => {
    const proxyUrl = `http://${PROXY_CREDENTIALS}@127.0.0.1:${proxy.port}`;
    const transport = WIRE_TRANSPORTS[api]({
      accounts: sim.accounts,
      proxy: proxyUrl,
      tls: { ca: certs.ca },
    });
    const tunnelsBefore = proxy.connects.length;
    try {
      await exercise(transport);
      const otpHost = new URL(sim.otpBaseUrl).host;
      const tunnels = proxy.connects.slice(tunnelsBefore);
      expect(tunnels.length).toBeGreaterThan(0);
      expect(tunnels.every((target) => target === otpHost)).toBe(true);
      expect(proxy.authorizations.at(-1)).toBe(
        `Basic ${Buffer.from(PROXY_CREDENTIALS).toString('base64')}`,
      );
      // What logs show of the transport names the proxy, never its password.
      for (const shown of [JSON.stringify(transport), inspect(transport)]) {
        expect(shown).toContain(`127.0.0.1:${proxy.port}`);
        expect(shown).not.toContain(PROXY_PASSWORD);
      }
    } finally {
      await transport.close();
    }
  });

  it('keep-alive and the connection bound hold through the proxy: 40 sends, 2 connections, ≤ 2 tunnels', async () => {
    const transport = WIRE_TRANSPORTS[api]({
      accounts: sim.accounts,
      proxy: `http://${PROXY_CREDENTIALS}@127.0.0.1:${proxy.port}`,
      tls: { ca: certs.ca },
      connections: 2,
    });
    const tunnelsBefore = proxy.connects.length;
    const simConnectionsBefore = sim.connectionsOpened;
    try {
      const results = await Promise.all(
        numbers(40, 100).map((to) =>
          transport.send({ channel: 'otp', to: [to], text: 'Kodunuz: 123456' }),
        ),
      );
      expect(results.every((r) => r.recipients[0]!.status === 'accepted')).toBe(true);
      expect(proxy.connects.length - tunnelsBefore).toBeLessThanOrEqual(2);
      expect(sim.connectionsOpened - simConnectionsBefore).toBeLessThanOrEqual(2);
      expect(sim.messages).toHaveLength(40);
    } finally {
      await transport.close();
    }
  });

  it('a proxy that refuses (407: wrong credentials) → SmsConnectionError, maybeAccepted false, nothing sent, password not in the error', async () => {
    const transport = WIRE_TRANSPORTS[api]({
      accounts: sim.accounts,
      proxy: `http://bank-app:wrong-${PROXY_PASSWORD}@127.0.0.1:${proxy.port}`,
      tls: { ca: certs.ca },
    });
    try {
      const error = await failureOf(
        transport.send({ channel: 'otp', to: numbers(1), text: 'Kod: 1234' }),
      );
      expect(error).toBeInstanceOf(SmsConnectionError);
      expect(error).toMatchObject({ maybeAccepted: false });
      expect(inspect(error, { depth: 5 })).not.toContain(PROXY_PASSWORD);
      expect(sim.requests).toHaveLength(0);
    } finally {
      await transport.close();
    }
  });
});

describe('egress proxy: failures and options', () => {
  it('a proxy that is down → SmsConnectionError with maybeAccepted false on all four APIs', async () => {
    const port = await closedPort();
    for (const api of WIRE_APIS) {
      const transport = WIRE_TRANSPORTS[api]({
        accounts: sim.accounts,
        proxy: `http://127.0.0.1:${port}`,
        tls: { ca: certs.ca },
      });
      try {
        const error = await failureOf(
          transport.send({ channel: 'otp', to: numbers(1), text: 'Kod: 1234' }),
        );
        expect(error).toBeInstanceOf(SmsConnectionError);
        expect(error).toMatchObject({ maybeAccepted: false });
      } finally {
        await transport.close();
      }
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('a proxy that starts refusing every request → SmsConnectionError, maybeAccepted false', async () => {
    const proxy = await startTestProxy();
    proxy.refuseAll();
    const transport = WIRE_TRANSPORTS.json({
      accounts: sim.accounts,
      proxy: proxy.url,
      tls: { ca: certs.ca },
    });
    try {
      await expect(
        transport.send({ channel: 'otp', to: numbers(1), text: 'Kod: 1234' }),
      ).rejects.toMatchObject({ code: 'TRANSPORT_CONNECTION', maybeAccepted: false });
      expect(sim.requests).toHaveLength(0);
    } finally {
      await transport.close();
      await proxy.close();
    }
  });

  it('wrong proxy values are refused with the option named, never echoing the URL', () => {
    const accounts = loopbackAccounts('https://127.0.0.1:1');
    for (const proxy of [
      'not a url',
      'socks5://127.0.0.1:1080',
      'ftp://u:SeCrEt@host:21',
      'http://u:SeCrEt@proxy:3128/path',
      42,
    ]) {
      let caught: unknown;
      try {
        WIRE_TRANSPORTS.http({ accounts, proxy } as WireTransportOptions);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidOptionsError);
      expect((caught as Error).message).toMatch(/"proxy"/);
      expect((caught as Error).message).not.toContain('SeCrEt');
    }
  });
});

describe("egress proxy: 'env' (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)", () => {
  const NAMES = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'];
  let saved: Record<string, string | undefined>;
  let proxy: TestProxy;

  beforeAll(async () => {
    proxy = await startTestProxy();
  });
  afterAll(async () => {
    await proxy.close();
  });
  beforeEach(() => {
    saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));
    for (const name of NAMES) delete process.env[name];
  });
  afterEach(() => {
    for (const name of NAMES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it.each(WIRE_APIS)('%s: HTTPS_PROXY is followed (CONNECT to the provider host)', async (api) => {
    process.env['HTTPS_PROXY'] = proxy.url;
    const transport = WIRE_TRANSPORTS[api]({
      accounts: sim.accounts,
      proxy: 'env',
      tls: { ca: certs.ca },
    });
    const before = proxy.connects.length;
    try {
      await exercise(transport);
      expect(proxy.connects.slice(before)).toContain(new URL(sim.otpBaseUrl).host);
    } finally {
      await transport.close();
    }
  });

  it.each(WIRE_APIS)('%s: a host in NO_PROXY goes direct, the proxy sees nothing', async (api) => {
    process.env['HTTPS_PROXY'] = proxy.url;
    process.env['NO_PROXY'] = 'example.org,127.0.0.1';
    const transport = WIRE_TRANSPORTS[api]({
      accounts: sim.accounts,
      proxy: 'env',
      tls: { ca: certs.ca },
    });
    const before = proxy.connections();
    try {
      await exercise(transport);
      expect(proxy.connections()).toBe(before);
    } finally {
      await transport.close();
    }
  });

  it('HTTP_PROXY applies to plain http:// base URLs', async () => {
    const plain = new PostaGuverciniSimulator();
    await plain.start();
    process.env['HTTP_PROXY'] = proxy.url;
    const transport = WIRE_TRANSPORTS.soap({ accounts: plain.accounts, proxy: 'env' });
    const before = proxy.connections();
    try {
      await expect(transport.credit('otp')).resolves.toMatchObject({ channel: 'otp' });
      expect(proxy.connections()).toBeGreaterThan(before);
      expect(plain.requests).toHaveLength(1);
    } finally {
      await transport.close();
      await plain.stop();
    }
  });

  it('without any proxy variable, env mode connects directly', async () => {
    const transport = WIRE_TRANSPORTS.http({
      accounts: sim.accounts,
      proxy: 'env',
      tls: { ca: certs.ca },
    });
    const before = proxy.connections();
    try {
      await exercise(transport);
      expect(proxy.connections()).toBe(before);
    } finally {
      await transport.close();
    }
  });
});

describe('PostaGuverciniModule: proxy and tls reach the transport', () => {
  it('forRoot({ proxy, tls }) sends through the proxy to the TLS simulator', async () => {
    const proxy = await startTestProxy(PROXY_CREDENTIALS);
    const moduleRef = await Test.createTestingModule({
      imports: [
        PostaGuverciniModule.forRoot({
          transport: 'xml',
          accounts: sim.accounts,
          proxy: `http://${PROXY_CREDENTIALS}@127.0.0.1:${proxy.port}`,
          tls: { ca: certs.ca },
        }),
      ],
    }).compile();
    try {
      const transport = moduleRef.get(SmsTransport);
      await expect(transport.credit('bulk')).resolves.toMatchObject({ channel: 'bulk' });
      expect(proxy.connects).toEqual([new URL(sim.bulkBaseUrl).host]);
    } finally {
      await moduleRef.close();
      await proxy.close();
    }
  });

  it("proxy, tls and httpClient are refused with transport 'memory' (they would be ignored)", async () => {
    await expect(
      Test.createTestingModule({
        imports: [PostaGuverciniModule.forRoot({ transport: 'memory', proxy: 'env' })],
      }).compile(),
    ).rejects.toThrow(/"proxy"/);
  });
});
