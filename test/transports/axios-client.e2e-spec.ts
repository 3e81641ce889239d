import { Agent as HttpsAgent } from 'node:https';
import { HttpModule, HttpService } from '@nestjs/axios';
import { Test } from '@nestjs/testing';
import axios, { type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { InvalidOptionsError } from '../../lib/errors/validation.error.js';
import { PostaGuverciniModule } from '../../lib/posta-guvercini.module.js';
import { PostaGuverciniSimulator } from '../../lib/testing/simulator/posta-guvercini.simulator.js';
import { SmsTransport } from '../../lib/transports/sms-transport.js';
import type { AxiosLikeInstance } from '../../lib/transports/wire/connectivity.js';
import type { WireTransport } from '../../lib/transports/wire/wire.transport.js';
import type { SimulatorFaultSpec } from '../../lib/testing/simulator/simulator.types.js';
import {
  numbers,
  TURKISH_TEXT,
  WIRE_APIS,
  WIRE_TRANSPORTS,
  type WireApi,
} from './transport-fixtures.js';
import { closedPort, makeTestCertificates } from './tls-fixtures.js';

// An AxiosInstance is what the option takes (compile-time check of the structural type).
const typeCheck: AxiosLikeInstance = axios.create();
void typeCheck;

let sim: PostaGuverciniSimulator;
beforeAll(async () => {
  sim = new PostaGuverciniSimulator();
  await sim.start();
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => sim.reset());

/** An axios instance whose interceptors record every request and response. */
function recordingAxios(): {
  instance: AxiosInstance;
  seen: { method: string; url: string; body: unknown }[];
  answered: number[];
} {
  // The instance's own defaults (JSON transforms, redirects) must not change what is sent.
  const instance = axios.create({ maxRedirects: 5, headers: { 'x-app': 'bank' } });
  const seen: { method: string; url: string; body: unknown }[] = [];
  const answered: number[] = [];
  instance.interceptors.request.use((config: InternalAxiosRequestConfig) => {
    seen.push({ method: String(config.method), url: String(config.url), body: config.data });
    return config;
  });
  instance.interceptors.response.use((response) => {
    answered.push(response.status);
    return response;
  });
  return { instance, seen, answered };
}

describe.each(WIRE_APIS)('%s transport with httpClient (axios)', (api) => {
  it('sends, queries status and credit through the instance: its interceptors see every request', async () => {
    const { instance, seen, answered } = recordingAxios();
    const transport = WIRE_TRANSPORTS[api]({ accounts: sim.accounts, httpClient: instance });
    try {
      const [to] = numbers(1);
      const sent = await transport.send({ channel: 'otp', to: [to!], text: TURKISH_TEXT });
      expect(sent.recipients[0]).toMatchObject({ status: 'accepted' });
      const id = (sent.recipients[0] as { messageId: string }).messageId;
      await expect(transport.status({ channel: 'otp', messageIds: [id] })).resolves.toEqual([
        expect.objectContaining({ messageId: id }),
      ]);
      await expect(transport.credit('bulk')).resolves.toMatchObject({ channel: 'bulk' });
      // The exact text arrived (the raw bytes were sent and the reply decoded by the package).
      expect(sim.lastMessageTo(to!)?.text).toBe(TURKISH_TEXT);
      expect(seen).toHaveLength(sim.requests.length);
      expect(seen).toHaveLength(3);
      expect(seen.every((request) => request.method.toLowerCase() === 'post')).toBe(true);
      expect(seen.map((request) => new URL(request.url).origin)).toEqual([
        sim.otpBaseUrl,
        sim.otpBaseUrl,
        sim.bulkBaseUrl,
      ]);
      expect(answered).toEqual([200, 200, 200]);
      expect(JSON.stringify(transport)).toContain('"client":"axios"');
    } finally {
      await transport.close();
    }
  });

  it('sends more than 800 recipients as several requests, all through the instance', async () => {
    const { instance, seen } = recordingAxios();
    const transport = WIRE_TRANSPORTS[api]({ accounts: sim.accounts, httpClient: instance });
    try {
      const result = await transport.send({ channel: 'bulk', to: numbers(801), text: 'Kampanya' });
      expect(result.recipients.filter((r) => r.status === 'accepted')).toHaveLength(801);
      expect(seen).toHaveLength(sim.requests.length);
    } finally {
      await transport.close();
    }
  });
});

/** The error a transport rejects with, as the fields a caller reads. */
async function errorShape(
  transport: WireTransport,
): Promise<{ name: string; code: string; maybeAccepted: unknown; status?: unknown }> {
  try {
    await transport.send({ channel: 'otp', to: numbers(1), text: 'Kodunuz: 482913' });
  } catch (error) {
    const e = error as { name: string; code: string; maybeAccepted?: unknown; status?: unknown };
    return {
      name: e.name,
      code: e.code,
      maybeAccepted: e.maybeAccepted,
      ...(e.status !== undefined ? { status: e.status } : {}),
    };
  }
  throw new Error('expected the send to fail');
}

const FAULTS: [string, Omit<SimulatorFaultSpec, 'api'>][] = [
  ['HTTP 503', { kind: 'http-status', status: 503 }],
  ['HTTP 500', { kind: 'http-status', status: 500 }],
  ['HTTP 502', { kind: 'http-status', status: 502 }],
  ['HTTP 302 (not followed)', { kind: 'http-status', status: 302 }],
  ['reset after the request was read', { kind: 'reset' }],
  ['malformed body', { kind: 'malformed' }],
  ['provider outage code', { kind: 'provider-error' }],
];

describe.each(WIRE_APIS)(
  '%s transport: axios errors map like the built-in client',
  (api: WireApi) => {
    it.each(FAULTS)('%s → the same typed error and maybeAccepted', async (_label, fault) => {
      const shapes = [];
      for (const httpClient of [undefined, axios.create()]) {
        sim.reset();
        sim.injectFault({ ...fault, api, times: 1 });
        const transport = WIRE_TRANSPORTS[api]({
          accounts: sim.accounts,
          ...(httpClient ? { httpClient } : {}),
        });
        try {
          shapes.push(await errorShape(transport));
        } finally {
          await transport.close();
        }
      }
      expect(shapes[1]).toEqual(shapes[0]);
    });

    it('connection refused → SmsConnectionError, maybeAccepted false', async () => {
      const port = await closedPort();
      const transport = WIRE_TRANSPORTS[api]({
        accounts: {
          otp: { username: 'u', password: 'p', baseUrl: `http://127.0.0.1:${port}` },
        },
        httpClient: axios.create(),
      });
      try {
        await expect(errorShape(transport)).resolves.toEqual({
          name: 'SmsConnectionError',
          code: 'TRANSPORT_CONNECTION',
          maybeAccepted: false,
        });
      } finally {
        await transport.close();
      }
    });

    it('a reply slower than timeoutMs → SmsTimeoutError, maybeAccepted true (the request was written)', async () => {
      sim.injectFault({ kind: 'latency', ms: 60_000, api, times: 1 });
      const transport = WIRE_TRANSPORTS[api]({
        accounts: sim.accounts,
        httpClient: axios.create(),
        timeoutMs: 300,
      });
      try {
        await expect(errorShape(transport)).resolves.toEqual({
          name: 'SmsTimeoutError',
          code: 'TRANSPORT_TIMEOUT',
          maybeAccepted: true,
        });
      } finally {
        await transport.close();
      }
    });
  },
);

describe('httpClient: options and the Nest module', () => {
  it('forRootAsync with HttpModule: HttpService.axiosRef carries every provider request', async () => {
    const seen: string[] = [];
    const moduleRef = await Test.createTestingModule({
      imports: [
        PostaGuverciniModule.forRootAsync({
          imports: [HttpModule],
          inject: [HttpService],
          useFactory: (http: HttpService) => {
            http.axiosRef.interceptors.request.use((config) => {
              seen.push(String(config.url));
              return config;
            });
            return { transport: 'json', accounts: sim.accounts, httpClient: http.axiosRef };
          },
        }),
      ],
    }).compile();
    try {
      const transport = moduleRef.get(SmsTransport);
      await transport.send({ channel: 'otp', to: numbers(2), text: 'Kodunuz: 111222' });
      await transport.credit('otp');
      expect(seen).toEqual([
        `${sim.otpBaseUrl}/api_json/v1/Sms/Send_1_N`,
        expect.stringContaining(sim.otpBaseUrl) as string,
      ]);
      expect(seen).toHaveLength(sim.requests.length);
    } finally {
      await moduleRef.close();
    }
  });

  it("a certificate the instance does not trust → SmsConnectionError, maybeAccepted false; the instance's own agent (with the CA) works", async () => {
    const certs = makeTestCertificates();
    const tlsSim = new PostaGuverciniSimulator({
      tls: { key: certs.serverKey, cert: certs.serverCert },
    });
    await tlsSim.start();
    const untrusting = WIRE_TRANSPORTS.soap({
      accounts: tlsSim.accounts,
      httpClient: axios.create(),
    });
    const trusting = WIRE_TRANSPORTS.soap({
      accounts: tlsSim.accounts,
      httpClient: axios.create({ httpsAgent: new HttpsAgent({ ca: certs.ca, keepAlive: true }) }),
    });
    try {
      await expect(untrusting.credit('otp')).rejects.toMatchObject({
        code: 'TRANSPORT_CONNECTION',
        maybeAccepted: false,
      });
      expect(tlsSim.requests).toHaveLength(0);
      await expect(trusting.credit('otp')).resolves.toMatchObject({ channel: 'otp' });
    } finally {
      await untrusting.close();
      await trusting.close();
      await tlsSim.stop();
    }
  });

  it('closing the transport leaves the instance usable and refuses later sends (maybeAccepted false)', async () => {
    const instance = axios.create();
    const transport = WIRE_TRANSPORTS.xml({ accounts: sim.accounts, httpClient: instance });
    await transport.close();
    await expect(transport.credit('otp')).rejects.toMatchObject({
      code: 'TRANSPORT_CONNECTION',
      maybeAccepted: false,
    });
    expect(sim.requests).toHaveLength(0);
  });

  it('is refused with proxy or tls (set those on the instance), and when it is not an axios instance', () => {
    const accounts = sim.accounts;
    expect(() =>
      WIRE_TRANSPORTS.http({ accounts, httpClient: axios.create(), proxy: 'env' }),
    ).toThrow(/"proxy".*axios instance/);
    expect(() =>
      WIRE_TRANSPORTS.http({ accounts, httpClient: axios.create(), tls: { ca: 'x' } }),
    ).toThrow(/"tls"/);
    expect(() => WIRE_TRANSPORTS.http({ accounts, httpClient: {} as AxiosLikeInstance })).toThrow(
      InvalidOptionsError,
    );
  });
});
