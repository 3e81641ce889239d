import { SmsProviderError } from '../../lib/errors/provider.error.js';
import {
  SmsConnectionError,
  SmsHttpStatusError,
  SmsMalformedResponseError,
  SmsNotSentError,
  SmsPartialSendError,
  SmsTimeoutError,
} from '../../lib/errors/transport.error.js';
import { PostaGuverciniSimulator } from '../../lib/testing/simulator/posta-guvercini.simulator.js';
import type { WireTransport } from '../../lib/transports/wire/wire.transport.js';
import { numbers, WIRE_APIS, WIRE_TRANSPORTS, type WireApi } from './transport-fixtures.js';

const TIMEOUT_MS = 200;
const PATIENT_TIMEOUT_MS = 1_000;
/** Far longer than the timeout: a transport that waited for the answer would be caught by `sim.requests`. */
const SLOW_MS = 60_000;

type Operation = 'send' | 'status' | 'credit';
const OPERATIONS: Operation[] = ['send', 'status', 'credit'];

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

/** The API an operation of a transport reaches: SOAP has no attested status operation and asks the XML API. */
const apiOf = (api: WireApi, operation: Operation): WireApi =>
  api === 'soap' && operation === 'status' ? 'xml' : api;
const OUTAGES: Readonly<Record<WireApi, string>> = {
  http: '-2001',
  xml: 'ERR1010',
  soap: '-2001',
  json: '1010',
};

describe.each(WIRE_APIS)('%s transport faults', (api) => {
  let sim: PostaGuverciniSimulator;
  let transport: WireTransport;

  const run = (operation: Operation): Promise<unknown> => {
    switch (operation) {
      case 'send':
        return transport.send({
          channel: 'otp',
          to: numbers(1),
          text: 'Doğrulama kodunuz: 482913',
        });
      case 'status':
        return transport.status({
          channel: 'otp',
          messageIds: ['C1_11111111-2222-3333-4444-555555555555'],
        });
      case 'credit':
        return transport.credit('otp');
    }
  };
  const failure = (operation: Operation): Promise<unknown> =>
    run(operation).then(
      (value) => {
        throw new Error(`expected ${operation} to fail, it resolved with ${JSON.stringify(value)}`);
      },
      (error: unknown) => error,
    );

  beforeAll(async () => {
    sim = new PostaGuverciniSimulator();
    await sim.start();
    transport = WIRE_TRANSPORTS[api]({ accounts: sim.accounts, timeoutMs: TIMEOUT_MS });
  });

  afterAll(async () => {
    await transport.close();
    await sim.stop();
  });

  beforeEach(() => sim.reset());

  it('send, status and credit: a reply slower than timeoutMs → SmsTimeoutError, without waiting for it', async () => {
    // A longer timeout here (and the three at once): under load a request must still get
    // written before the deadline for maybeAccepted to be true.
    const patient = WIRE_TRANSPORTS[api]({ accounts: sim.accounts, timeoutMs: PATIENT_TIMEOUT_MS });
    try {
      sim.injectFault({ kind: 'latency', ms: SLOW_MS, times: 3 });
      const errors = await Promise.all([
        patient
          .send({ channel: 'otp', to: numbers(1), text: 'Doğrulama kodunuz: 482913' })
          .catch((e: unknown) => e),
        patient
          .status({ channel: 'otp', messageIds: ['C1_11111111-2222-3333-4444-555555555555'] })
          .catch((e: unknown) => e),
        patient.credit('otp').catch((e: unknown) => e),
      ]);
      for (const error of errors) {
        expect(error).toBeInstanceOf(SmsTimeoutError);
        expect(error).toMatchObject({
          code: 'TRANSPORT_TIMEOUT',
          timeoutMs: PATIENT_TIMEOUT_MS,
          maybeAccepted: true,
        });
      }
      // The simulator records a request when it answers it: nothing answered yet.
      expect(sim.requests).toHaveLength(0);
    } finally {
      await patient.close();
    }
  });

  it.each(OPERATIONS)(
    '%s: a connection reset → SmsConnectionError that may have been accepted',
    async (operation) => {
      sim.injectFault({ kind: 'reset', api: apiOf(api, operation) });
      const error = await failure(operation);
      expect(error).toBeInstanceOf(SmsConnectionError);
      expect(error).toMatchObject({ code: 'TRANSPORT_CONNECTION', maybeAccepted: true });
      expect(sim.requests).toEqual([expect.objectContaining({ fault: 'reset', status: 0 })]);
      // The transport recovers on a new connection.
      await expect(run(operation).catch((e: unknown) => e)).resolves.not.toBeInstanceOf(
        SmsConnectionError,
      );
    },
  );

  it.each(OPERATIONS)(
    '%s: HTTP 503 → SmsHttpStatusError, not accepted; 500 → maybe accepted',
    async (operation) => {
      sim.injectFault({ kind: 'http-status', status: 503, api: apiOf(api, operation) });
      const unavailable = await failure(operation);
      expect(unavailable).toBeInstanceOf(SmsHttpStatusError);
      expect(unavailable).toMatchObject({ status: 503, maybeAccepted: false });
      sim.injectFault({ kind: 'http-status', status: 500, api: apiOf(api, operation) });
      const internal = await failure(operation);
      expect(internal).toBeInstanceOf(SmsHttpStatusError);
      expect(internal).toMatchObject({ status: 500, maybeAccepted: true });
    },
  );

  it.each(OPERATIONS)(
    '%s: HTTP 502/504 from a gateway → maybe accepted (it may have forwarded the request)',
    async (operation) => {
      for (const status of [502, 504]) {
        sim.injectFault({ kind: 'http-status', status, api: apiOf(api, operation) });
        const error = await failure(operation);
        expect(error).toBeInstanceOf(SmsHttpStatusError);
        expect(error).toMatchObject({ status, maybeAccepted: true });
      }
    },
  );

  it.each(OPERATIONS)('%s: a malformed reply → SmsMalformedResponseError', async (operation) => {
    sim.injectFault({ kind: 'malformed', api: apiOf(api, operation) });
    const error = await failure(operation);
    expect(error).toBeInstanceOf(SmsMalformedResponseError);
    expect(error).toMatchObject({ code: 'TRANSPORT_MALFORMED_RESPONSE', maybeAccepted: true });
  });

  it.each(OPERATIONS)(
    '%s: a provider outage code → SmsProviderError with its code and meaning',
    async (operation) => {
      const reached = apiOf(api, operation);
      const outage = OUTAGES[reached];
      sim.injectFault({ kind: 'provider-error', code: outage, api: reached });
      const error = await failure(operation);
      expect(error).toBeInstanceOf(SmsProviderError);
      expect(error).toMatchObject({ api: reached, providerCode: outage });
      expect((error as SmsProviderError).meaning).toMatch(/error/i);
    },
  );

  it('wrong credentials → SmsProviderError from the provider, for every operation', async () => {
    const wrong = WIRE_TRANSPORTS[api]({
      accounts: { otp: { ...sim.accounts.otp!, password: 'not-the-password' } },
      timeoutMs: TIMEOUT_MS,
    });
    try {
      for (const operation of OPERATIONS) {
        const error = await (
          operation === 'send'
            ? wrong.send({ channel: 'otp', to: numbers(1), text: 'x' })
            : operation === 'status'
              ? wrong.status({ channel: 'otp', messageIds: ['C1_X'] })
              : wrong.credit('otp')
        ).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SmsProviderError);
        const code = (error as SmsProviderError).providerCode;
        expect(
          {
            http: ['-1002'],
            xml: ['ERR1001', 'ERR2001', 'ERR7001'],
            soap: ['-1002', 'ERR2001'], // status goes to the XML API (Sms_stareqx)
            json: ['500'],
          }[api],
        ).toContain(code);
      }
    } finally {
      await wrong.close();
    }
    expect(sim.messages).toHaveLength(0);
  });

  it('a refused connection → SmsConnectionError that was never accepted', async () => {
    const stopped = new PostaGuverciniSimulator();
    await stopped.start();
    const accounts = stopped.accounts;
    await stopped.stop();
    const orphan = WIRE_TRANSPORTS[api]({ accounts, timeoutMs: TIMEOUT_MS });
    try {
      const error = await orphan
        .send({ channel: 'otp', to: numbers(1), text: 'x' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SmsConnectionError);
      expect(error).toMatchObject({ maybeAccepted: false });
    } finally {
      await orphan.close();
    }
  });

  it('a failure after the first request → SmsPartialSendError with every recipient accounted for', async () => {
    // Let the first request through, then fail the second; the third is never made.
    sim.once('request', () => sim.injectFault({ kind: 'http-status', status: 503, api }));
    const to = numbers(1_601, 10_000);
    const error = await transport
      .send({ channel: 'bulk', to, text: 'Kampanya' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SmsPartialSendError);
    const { result, cause } = error as SmsPartialSendError;
    expect(cause).toBeInstanceOf(SmsHttpStatusError);
    expect(result.recipients.map((r) => r.to)).toEqual(to);
    expect(result.requests).toBe(2);
    const accepted = result.recipients.slice(0, 800);
    expect(accepted.map((r) => (r.status === 'accepted' ? r.messageId : r.status))).toEqual(
      sim.messages.map((m) => m.id),
    );
    expect(
      result.recipients.slice(800, 1_600).every((r) => r.status === 'failed' && r.error === cause),
    ).toBe(true);
    const last = result.recipients[1_600]!;
    expect(last.status === 'failed' && last.error).toBeInstanceOf(SmsNotSentError);
    expect(last).toMatchObject({ error: { maybeAccepted: false } });
    expect(sim.requests.map((r) => [r.recipients, r.status])).toEqual([
      [800, 200],
      [0, 503],
    ]);
  });

  it('N-N: a failed request reports its recipients failed in request order, the rest as the provider answered', async () => {
    // HTTP and SOAP send N-N as one 1-N request per distinct text; XML and JSON as one request.
    const to = numbers(4, 30_000);
    const messages = to.map((number, i) => ({ to: number, text: i % 2 === 0 ? 'Tek' : 'Çift' }));
    sim.once('request', () => sim.injectFault({ kind: 'http-status', status: 503, api }));
    const outcome = await transport.send({ channel: 'bulk', messages }).catch((e: unknown) => e);
    if (api === 'http' || api === 'soap') {
      expect(outcome).toBeInstanceOf(SmsPartialSendError);
      const { result, cause } = outcome as SmsPartialSendError;
      expect(cause).toBeInstanceOf(SmsHttpStatusError);
      expect(result.recipients.map((r) => [r.to, r.status])).toEqual([
        [to[0], 'accepted'],
        [to[1], 'failed'],
        [to[2], 'accepted'],
        [to[3], 'failed'],
      ]);
      expect(sim.messages.map((m) => [m.to, m.text])).toEqual([
        [to[0], 'Tek'],
        [to[2], 'Tek'],
      ]);
    } else {
      expect(outcome).toMatchObject({ requests: 1 });
      expect(sim.messages).toHaveLength(4);
    }
  });

  it('a failure of the first request is thrown as it is', async () => {
    sim.injectFault({ kind: 'http-status', status: 503, api });
    const error = await transport
      .send({ channel: 'bulk', to: numbers(801, 20_000), text: 'Kampanya' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsHttpStatusError);
    expect(sim.requests).toHaveLength(1);
  });
});
