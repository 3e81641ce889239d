import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import {
  BulkSmsService,
  FailoverTransport,
  HttpTransport,
  InMemoryTransport,
  JsonTransport,
  PostaGuverciniHealthIndicator,
  PostaGuverciniModule,
  SmsTransport,
  SmsValidationError,
  SoapTransport,
  StaticOptOutList,
  XmlTransport,
  analyzeSmsText,
  transliterateTurkish,
} from '../lib/index.js';
import { resolveHealthOptions } from '../lib/health/posta-guvercini-health.options.js';
import {
  canEncodeIso88599,
  decodeIso88599,
  encodeIso88599,
  escapeXmlForIso88599,
  findUnencodableCharacter,
  percentDecodeIso88599,
  percentEncodeIso88599,
} from '../lib/message/iso-8859-9.js';
import { assertSmsText, findForbiddenCharacter, isGsm7Text } from '../lib/message/sms-text.js';
import { PostaGuverciniSimulator } from '../lib/testing/index.js';

/**
 * Issue 9.11: every public method of BulkSmsService, of the transports and of the health
 * indicator, given a missing or wrong argument, throws the package's typed validation error
 * (`SmsValidationError`, or its subclass `InvalidOptionsError` for constructor options) — sync
 * or as a rejected promise — never a `TypeError`, and sends nothing.
 */
const WRONG: readonly unknown[] = [undefined, null, 42, 'text', true, [], () => 1, Symbol('s')];
const label = (value: unknown): string =>
  typeof value === 'symbol'
    ? 'a symbol'
    : typeof value === 'function'
      ? 'a function'
      : (JSON.stringify(value) ?? 'undefined');

/** Calls `call` and returns what it threw or rejected with (undefined when it succeeded). */
async function failure(call: () => unknown): Promise<unknown> {
  try {
    await call();
    return undefined;
  } catch (error) {
    return error;
  }
}

async function expectTyped(call: () => unknown, what: string): Promise<void> {
  const error = await failure(call);
  if (!(error instanceof SmsValidationError)) {
    throw new Error(
      `${what}: expected an SmsValidationError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  }
  expect(typeof error.code).toBe('string');
}

describe('typed validation errors for missing or wrong arguments (issue 9.11)', () => {
  let sim: PostaGuverciniSimulator;
  let app: INestApplication;
  let bulk: BulkSmsService;

  beforeAll(async () => {
    sim = new PostaGuverciniSimulator();
    await sim.start();
    const moduleRef = await Test.createTestingModule({
      imports: [PostaGuverciniModule.forRoot({ transport: 'json', accounts: sim.accounts })],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
    bulk = app.get(BulkSmsService);
  });
  afterAll(async () => {
    await app.close();
    await sim.stop();
  });
  afterEach(() => {
    expect(sim.requests).toHaveLength(0); // nothing reached the provider
  });

  it('BulkSmsService.send()', async () => {
    const api = bulk as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const value of WRONG)
      await expectTyped(() => api['send']!(value), `send(${label(value)})`);
    for (const value of WRONG) {
      if (!Array.isArray(value))
        await expectTyped(
          () => bulk.send({ to: value, text: 'x', kind: 'informational' } as never),
          `send({ to: ${label(value)} })`,
        );
      if (typeof value !== 'string')
        await expectTyped(
          () => bulk.send({ to: ['05321234567'], text: value, kind: 'informational' } as never),
          `send({ text: ${label(value)} })`,
        );
      await expectTyped(
        () => bulk.send({ to: ['05321234567'], text: 'x', kind: value } as never),
        `send({ kind: ${label(value)} })`,
      );
    }
    const wrongOptions: Record<string, readonly unknown[]> = {
      sendAt: ['tomorrow', 42, [], true, new Date(Number.NaN)],
      validUntil: ['x', 42, [], true],
      sender: [42, [], true, '', 'MUCH-TOO-LONG-SENDER'],
      channel: ['sms', 42, [], true],
      reportLimit: ['x', -1, 1.5, [], true],
      concurrency: ['x', 0, 1000, [], true],
      onRecipient: ['x', 42, [], true, null],
      consentFilter: ['x', 42, true],
    };
    for (const [field, values] of Object.entries(wrongOptions)) {
      for (const value of values) {
        await expectTyped(
          () =>
            bulk.send({
              to: ['05321234567'],
              text: 'x',
              kind: 'informational',
              [field]: value,
            } as never),
          `send({ ${field}: ${label(value)} })`,
        );
      }
    }
  });

  it('BulkSmsService.sendEach()', async () => {
    const api = bulk as unknown as Record<string, (...args: unknown[]) => unknown>;
    await expectTyped(() => api['sendEach']!(), 'sendEach()');
    await expectTyped(
      () => api['sendEach']!([{ to: '05321234567', text: 'x' }]),
      'sendEach(items)',
    );
    for (const value of WRONG) {
      if (!Array.isArray(value))
        await expectTyped(
          () => api['sendEach']!(value, { kind: 'informational' }),
          `sendEach(${label(value)}, options)`,
        );
      await expectTyped(() => api['sendEach']!([], value), `sendEach([], ${label(value)})`);
    }
    // A wrong item is reported, not thrown (and never a TypeError).
    const report = await bulk.sendEach(
      [null, 42, { to: 7 }, { to: '05321234567', text: null }] as never,
      {
        kind: 'informational',
      },
    ).done;
    expect(report).toMatchObject({ total: 4, skipped: 4, sent: 0 });
    expect(report.recipients.every((o) => o.error instanceof SmsValidationError)).toBe(true);
  });

  it('BulkSmsService.status(), credit() and attach()', async () => {
    const api = bulk as unknown as Record<string, (...args: unknown[]) => unknown>;
    await expectTyped(() => api['status']!(), 'status()');
    for (const value of [...WRONG.filter((v) => !Array.isArray(v)), [42], [''], [null], 'abc']) {
      await expectTyped(() => api['status']!(value), `status(${label(value)})`);
    }
    for (const value of [null, 42, 'x', [], { channel: 'sms' }, { channel: 42 }]) {
      await expectTyped(() => api['status']!(['C1_ID'], value), `status(ids, ${label(value)})`);
    }
    for (const value of WRONG) {
      await expectTyped(() => api['attach']!(value), `attach(${label(value)})`);
    }
    for (const value of [null, 42, 'x', [], { reportLimit: -1 }, { onRecipient: 'x' }]) {
      await expectTyped(() => api['attach']!('some-id', value), `attach(id, ${label(value)})`);
    }
    // Without durable mode attach() is refused with a typed error too.
    await expectTyped(() => bulk.attach('some-id'), 'attach(id) without durable mode');
  });

  it('BulkSmsService constructed by hand with wrong module options', async () => {
    for (const value of [null, 42, 'x', { bulk: 42 }, { bulk: { concurrency: 'x' } }]) {
      await expectTyped(
        () => new BulkSmsService(new InMemoryTransport(), value as never),
        `new BulkSmsService(transport, ${label(value)})`,
      );
    }
  });

  describe.each([
    ['http', () => new HttpTransport({ accounts: sim.accounts })],
    ['xml', () => new XmlTransport({ accounts: sim.accounts })],
    ['soap', () => new SoapTransport({ accounts: sim.accounts })],
    ['json', () => new JsonTransport({ accounts: sim.accounts })],
    ['memory', () => new InMemoryTransport()],
    [
      'failover',
      () =>
        new FailoverTransport([
          new JsonTransport({ accounts: sim.accounts }),
          new InMemoryTransport(),
        ]),
    ],
  ] as const)('the %s transport', (_name, make) => {
    let transport: SmsTransport;
    beforeAll(() => {
      transport = make();
    });
    afterAll(async () => {
      await transport.close();
    });

    it('send()', async () => {
      const api = transport as unknown as Record<string, (...args: unknown[]) => unknown>;
      await expectTyped(() => api['send']!(), 'send()');
      const requests: unknown[] = [
        ...WRONG,
        {},
        { channel: 'bulk' },
        { channel: 'sms', to: ['905321234567'], text: 'x' },
        { channel: 'bulk', to: '905321234567', text: 'x' },
        { channel: 'bulk', to: [905321234567], text: 'x' },
        { channel: 'bulk', to: [null], text: 'x' },
        { channel: 'bulk', to: ['905321234567'] },
        { channel: 'bulk', to: ['905321234567'], text: 42 },
        { channel: 'bulk', to: ['905321234567'], text: 'x', sendAt: 'tomorrow' },
        { channel: 'bulk', to: ['905321234567'], text: 'x', validUntil: 42 },
        { channel: 'bulk', to: ['905321234567'], text: 'x', sender: 42 },
        { channel: 'bulk', messages: null },
        { channel: 'bulk', messages: 'x' },
        { channel: 'bulk', messages: [null] },
        { channel: 'bulk', messages: [{ to: '905321234567' }] },
        { channel: 'bulk', messages: [{ text: 'x' }] },
      ];
      for (const request of requests)
        await expectTyped(() => api['send']!(request), `send(${label(request)})`);
    });

    it('status(), credit() and assertText()', async () => {
      const api = transport as unknown as Record<string, (...args: unknown[]) => unknown>;
      await expectTyped(() => api['status']!(), 'status()');
      for (const request of [
        ...WRONG,
        {},
        { channel: 'bulk' },
        { channel: 'bulk', messageIds: 'x' },
        { channel: 'bulk', messageIds: [42] },
        { channel: 'x', messageIds: [] },
      ]) {
        await expectTyped(() => api['status']!(request), `status(${label(request)})`);
      }
      await expectTyped(() => api['credit']!(), 'credit()');
      for (const channel of [...WRONG, 'sms'])
        await expectTyped(() => api['credit']!(channel), `credit(${label(channel)})`);
      for (const text of [undefined, null, 42, {}, '']) {
        await expectTyped(() => api['assertText']!(text), `assertText(${label(text)})`);
      }
    });
  });

  it('transport constructors', async () => {
    for (const value of [undefined, null, 42, 'x', [], {}, { accounts: null }, { accounts: 42 }]) {
      for (const Transport of [HttpTransport, XmlTransport, SoapTransport, JsonTransport]) {
        await expectTyped(
          () => new Transport(value as never),
          `new ${Transport.name}(${label(value)})`,
        );
      }
    }
    for (const value of [null, 42, 'x', { credit: 'x' }, { credit: -1 }]) {
      await expectTyped(
        () => new InMemoryTransport(value as never),
        `new InMemoryTransport(${label(value)})`,
      );
    }
    for (const value of [undefined, null, 42, [], [null], [{}]]) {
      await expectTyped(
        () => new FailoverTransport(value as never),
        `new FailoverTransport(${label(value)})`,
      );
    }
    await expectTyped(
      () => new FailoverTransport([new InMemoryTransport()], null as never),
      'new FailoverTransport([t], null)',
    );
  });

  it('message text utilities and the opt-out list', async () => {
    const textFunctions = {
      analyzeSmsText,
      assertSmsText,
      findForbiddenCharacter,
      isGsm7Text,
      transliterateTurkish,
      encodeIso88599,
      percentEncodeIso88599,
      percentDecodeIso88599,
      escapeXmlForIso88599,
      canEncodeIso88599,
      findUnencodableCharacter,
    } as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const [name, fn] of Object.entries(textFunctions)) {
      for (const value of [undefined, null, 42, {}, [], true]) {
        await expectTyped(() => fn(value), `${name}(${label(value)})`);
      }
    }
    for (const [name, fn] of Object.entries(textFunctions)) {
      if (name === 'findUnencodableCharacter') {
        await expectTyped(() => fn('x', 'utf-8'), `${name}('x', 'utf-8')`);
        continue;
      }
      if (
        ['analyzeSmsText', 'findForbiddenCharacter', 'isGsm7Text', 'transliterateTurkish'].includes(
          name,
        )
      )
        continue;
      for (const options of [
        null,
        42,
        'x',
        ...(name === 'assertSmsText' || name === 'escapeXmlForIso88599'
          ? []
          : [{ charset: 'utf-8' }]),
      ]) {
        await expectTyped(() => fn('Merhaba', options), `${name}('Merhaba', ${label(options)})`);
      }
    }
    for (const value of [undefined, null, 42, 'x', {}, [1, 2]]) {
      await expectTyped(() => decodeIso88599(value as never), `decodeIso88599(${label(value)})`);
    }
    for (const value of [undefined, null, 42, '05321234567', {}, [42], ['not a number']]) {
      await expectTyped(
        () => new StaticOptOutList(value as never),
        `new StaticOptOutList(${label(value)})`,
      );
    }
  });

  it('PostaGuverciniModule.forRoot() and forRootAsync()', async () => {
    for (const value of [null, 42, 'x', []]) {
      await expectTyped(
        () => PostaGuverciniModule.forRoot(value as never),
        `forRoot(${label(value)})`,
      );
    }
    for (const value of [undefined, null, 42, 'x', []]) {
      await expectTyped(
        () => PostaGuverciniModule.forRootAsync(value as never),
        `forRootAsync(${label(value)})`,
      );
    }
  });

  it('PostaGuverciniHealthIndicator.isHealthy()', async () => {
    const health = new PostaGuverciniHealthIndicator(
      new InMemoryTransport(),
      resolveHealthOptions({}),
    );
    const api = health as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const key of [null, 42, '', [], {}, true])
      await expectTyped(() => api['isHealthy']!(key), `isHealthy(${label(key)})`);
    for (const options of [
      null,
      42,
      'x',
      [],
      { channels: 'otp' },
      { channels: [] },
      { channels: ['sms'] },
      { creditThreshold: 'x' },
      { lowCredit: 'x' },
      { timeoutMs: 'x' },
      { timeoutMs: 0 },
    ]) {
      await expectTyped(
        () => api['isHealthy']!('sms', options),
        `isHealthy('sms', ${label(options)})`,
      );
    }
  });
});
