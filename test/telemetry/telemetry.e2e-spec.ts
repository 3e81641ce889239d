import { Test, type TestingModule } from '@nestjs/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  BulkSmsService,
  FailoverTransport,
  JsonTransport,
  OtpRateLimitError,
  OtpService,
  PostaGuverciniHealthIndicator,
  PostaGuverciniModule,
  SmsTransport,
  XmlTransport,
} from '../../lib/index.js';
import { PostaGuverciniSimulator } from '../../lib/testing/index.js';
import { resolveHealthOptions } from '../../lib/health/posta-guvercini-health.options.js';
import { WIRE_APIS, WIRE_TRANSPORTS } from '../transports/transport-fixtures.js';
import {
  counterValue,
  everyRecordedValue,
  type OtelHarness,
  registerOtel,
} from './otel-fixtures.js';

/**
 * OpenTelemetry through the public API: an application registers the SDK (in-memory metric
 * reader and span exporter) and uses the package as usual; the package records its metrics
 * and spans under `posta_guvercini.`.
 */
const OTP_SECRET = 'otel-test-secret-5fK2mQ9xL3pZ7wR1vB8nC4hJ6tY0sD';
const PHONE = '905321234567';
const PHONE_FORMS = ['5321234567', '532 123 45 67', '532*', '905321234567'];
const TEXT = 'Kampanya: Yüzde 20 indirim, kod INDIRIM20';

let otel: OtelHarness;
let sim: PostaGuverciniSimulator;
let moduleRef: TestingModule;
let otp: OtpService;
let bulk: BulkSmsService;
/** Codes sent during the test: none may appear in any attribute. */
const codes = new Set<string>();

function codeOf(phone = PHONE): string {
  const text = sim.lastMessageTo(phone, 'otp')?.text ?? '';
  const code = /(?<!\d)(\d{6})(?!\d)/.exec(text)?.[1];
  if (code === undefined) throw new Error('no code sent');
  codes.add(code);
  return code;
}

function spansNamed(name: string): ReadableSpan[] {
  return otel.spans().filter((span) => span.name === name);
}

function childrenOf(parent: ReadableSpan): ReadableSpan[] {
  return otel
    .spans()
    .filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);
}

beforeAll(async () => {
  otel = registerOtel();
  sim = new PostaGuverciniSimulator();
  await sim.start();
  moduleRef = await Test.createTestingModule({
    imports: [
      PostaGuverciniModule.forRoot({
        transport: 'json',
        accounts: sim.accounts,
        otp: {
          secret: OTP_SECRET,
          maxAttempts: 2,
          phoneLimits: [{ limit: 3, windowSeconds: 3600 }],
          resendCooldownSeconds: 0,
        },
      }),
    ],
  }).compile();
  otp = moduleRef.get(OtpService);
  bulk = moduleRef.get(BulkSmsService);
});

afterAll(async () => {
  await moduleRef.close();
  await sim.stop();
  await otel.shutdown();
});

describe('OpenTelemetry records (SDK registered by the application)', () => {
  it('OTP send and verify: spans parented to their provider request, counters by outcome', async () => {
    otel.reset();
    const challenge = await otp.send({ phone: '0532 123 45 67', purpose: 'login' });
    const wrong = await otp.verify({
      challengeId: challenge.challengeId,
      code: '000000',
      purpose: 'login',
    });
    expect(wrong.valid).toBe(false);
    const right = await otp.verify({
      challengeId: challenge.challengeId,
      code: codeOf(),
      purpose: 'login',
    });
    expect(right.valid).toBe(true);

    const [send] = spansNamed('posta_guvercini.otp.send');
    expect(send!.attributes).toMatchObject({ 'posta_guvercini.otp.purpose': 'login' });
    const [request] = childrenOf(send!);
    expect(request!.name).toBe('posta_guvercini.provider.send');
    expect(request!.attributes).toMatchObject({
      'posta_guvercini.api': 'json',
      'posta_guvercini.host_profile': 'otp',
      'posta_guvercini.operation': 'send',
      'posta_guvercini.recipients': 1,
      'http.response.status_code': 200,
      'posta_guvercini.provider_code': 'StatusCode=200',
      'server.address': '127.0.0.1',
    });
    expect(request!.kind).toBe(SpanKind.CLIENT);

    const verifies = spansNamed('posta_guvercini.otp.verify');
    expect(verifies.map((s) => s.attributes['posta_guvercini.outcome'])).toEqual([
      'invalid',
      'verified',
    ]);

    const metrics = await otel.collect();
    expect(
      counterValue(metrics.get('posta_guvercini.otp.sends'), {
        'posta_guvercini.otp.purpose': 'login',
      }),
    ).toBe(1);
    const verifications = metrics.get('posta_guvercini.otp.verifications');
    expect(counterValue(verifications, { 'posta_guvercini.outcome': 'invalid' })).toBe(1);
    expect(counterValue(verifications, { 'posta_guvercini.outcome': 'verified' })).toBe(1);
    const requests = metrics.get('posta_guvercini.provider.requests');
    expect(
      counterValue(requests, {
        'posta_guvercini.api': 'json',
        'posta_guvercini.host_profile': 'otp',
        'posta_guvercini.operation': 'send',
        'posta_guvercini.result': 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);
    const duration = metrics.get('posta_guvercini.provider.request.duration');
    expect(duration?.descriptor.unit).toBe('s');
    const histogramCount = (duration?.dataPoints ?? []).reduce(
      (sum, point) => sum + (point.value as { count: number }).count,
      0,
    );
    expect(histogramCount).toBe(counterValue(requests));
  });

  it('rate-limit and lockout refusals are counted', async () => {
    const phone = '905339876543';
    const challenge = await otp.send({ phone, purpose: 'payment' });
    codes.add(codeOf(phone));
    await otp.verify({ challengeId: challenge.challengeId, code: '111111', purpose: 'payment' });
    await otp.verify({ challengeId: challenge.challengeId, code: '222222', purpose: 'payment' }); // locks
    const refused = await otp.verify({
      challengeId: challenge.challengeId,
      code: codeOf(phone),
      purpose: 'payment',
    });
    expect(refused).toMatchObject({ valid: false, reason: 'locked' });
    await otp.send({ phone, purpose: 'payment' });
    await otp.send({ phone, purpose: 'payment' });
    codes.add(codeOf(phone));
    await expect(otp.send({ phone, purpose: 'payment' })).rejects.toBeInstanceOf(OtpRateLimitError);

    const metrics = await otel.collect();
    const refusals = metrics.get('posta_guvercini.otp.refusals');
    expect(counterValue(refusals, { 'posta_guvercini.otp.refusal': 'lockout' })).toBe(1);
    expect(
      counterValue(refusals, {
        'posta_guvercini.otp.refusal': 'rate_limit',
        'posta_guvercini.otp.limit': 'phone',
      }),
    ).toBe(1);
    expect(counterValue(metrics.get('posta_guvercini.otp.lockouts'))).toBe(1);
    // The refused send has a span marked as an error with the stable code.
    const failedSend = spansNamed('posta_guvercini.otp.send').find(
      (s) => s.status.code === SpanStatusCode.ERROR,
    );
    expect(failedSend?.attributes['error.type']).toBe('OTP_RATE_LIMITED');
  });

  it('a failed provider request: result, HTTP status and maybeAccepted on the span and the counter', async () => {
    otel.reset();
    sim.injectFault({ kind: 'http-status', status: 503, times: 1 });
    await expect(otp.send({ phone: '905051112233', purpose: 'login' })).rejects.toMatchObject({
      code: 'TRANSPORT_HTTP_STATUS',
    });
    const [request] = spansNamed('posta_guvercini.provider.send');
    expect(request!.attributes).toMatchObject({
      'http.response.status_code': 503,
      'posta_guvercini.maybe_accepted': false,
      'error.type': 'TRANSPORT_HTTP_STATUS',
    });
    expect(request!.parentSpanContext?.spanId).toBe(
      spansNamed('posta_guvercini.otp.send')[0]!.spanContext().spanId,
    );
    const metrics = await otel.collect();
    expect(
      counterValue(metrics.get('posta_guvercini.provider.requests'), {
        'posta_guvercini.result': 'TRANSPORT_HTTP_STATUS',
      }),
    ).toBe(1);
  });

  it('campaign: one span per batch, parent of its provider request; recipients counted by outcome', async () => {
    otel.reset();
    const to = [
      ...Array.from({ length: 801 }, (_, i) => `90544${String(i).padStart(7, '0')}`),
      '12345',
    ];
    const report = await bulk.send({ to, text: TEXT, kind: 'informational' }).done;
    expect(report.sent).toBe(801);

    const batches = spansNamed('posta_guvercini.campaign.batch');
    expect(batches).toHaveLength(2);
    expect(batches.map((b) => b.attributes['posta_guvercini.recipients']).sort()).toEqual([1, 800]);
    expect(
      batches.reduce((n, b) => n + Number(b.attributes['posta_guvercini.campaign.sent']), 0),
    ).toBe(801);
    for (const batch of batches) {
      const [request] = childrenOf(batch);
      expect(request).toMatchObject({
        name: 'posta_guvercini.provider.send',
        attributes: expect.objectContaining({
          'posta_guvercini.host_profile': 'bulk',
          'posta_guvercini.recipients': batch.attributes['posta_guvercini.recipients'],
        }) as unknown,
      });
    }
    const metrics = await otel.collect();
    const recipients = metrics.get('posta_guvercini.campaign.recipients');
    expect(counterValue(recipients, { 'posta_guvercini.outcome': 'sent' })).toBe(801);
    expect(counterValue(recipients, { 'posta_guvercini.outcome': 'skipped' })).toBe(1);
  });

  it('breaker state changes of a FailoverTransport are counted', async () => {
    const down = new PostaGuverciniSimulator();
    await down.start();
    const failover = new FailoverTransport(
      [
        new JsonTransport({ accounts: down.accounts }),
        new XmlTransport({ accounts: sim.accounts }),
      ],
      { breaker: { threshold: 1, halfOpenAfterMs: 60_000 } },
    );
    try {
      down.injectFault({ kind: 'http-status', status: 503 });
      await failover.credit('otp');
      expect(failover.states).toEqual(['open', 'closed']);
      const metrics = await otel.collect();
      expect(
        counterValue(metrics.get('posta_guvercini.breaker.state_changes'), {
          'posta_guvercini.transport': '0:json',
          'posta_guvercini.breaker.state': 'open',
        }),
      ).toBe(1);
    } finally {
      await failover.close();
      await down.stop();
    }
  });

  it('credit balance from a health check is a gauge per host profile', async () => {
    sim.setCredit('otp', 4321);
    const indicator = new PostaGuverciniHealthIndicator(
      moduleRef.get(SmsTransport),
      resolveHealthOptions({ transport: 'json', accounts: sim.accounts }),
    );
    await indicator.isHealthy('sms');
    const metrics = await otel.collect();
    const gauge = metrics.get('posta_guvercini.credit.balance');
    const point = gauge?.dataPoints.find(
      (p) => p.attributes['posta_guvercini.host_profile'] === 'otp',
    );
    expect(point?.value).toBe(4321);
  });

  it.each(WIRE_APIS)(
    '%s transport: one client span per provider request with API, host profile, recipients, HTTP status and provider code',
    async (api) => {
      otel.reset();
      sim.reset();
      const transport = WIRE_TRANSPORTS[api]({ accounts: sim.accounts });
      try {
        const to = Array.from({ length: 3 }, (_, i) => `90555000000${i}`);
        const sent = await transport.send({ channel: 'bulk', to, text: TEXT });
        const ids = sent.recipients.map((r) => (r as { messageId: string }).messageId);
        await transport.status({ channel: 'bulk', messageIds: ids });
        await transport.credit('otp');
      } finally {
        await transport.close();
      }
      const spans = otel.spans().filter((s) => s.name.startsWith('posta_guvercini.provider.'));
      // One span per HTTP request: the HTTP API asks the status of one message per request.
      const names = spans.map((s) => s.name);
      const statusSpans = spans.filter((s) => s.name === 'posta_guvercini.provider.status');
      expect(names[0]).toBe('posta_guvercini.provider.send');
      expect(names.at(-1)).toBe('posta_guvercini.provider.credit');
      expect(statusSpans.length).toBe(names.length - 2);
      expect(spans.length).toBe(sim.requests.length);
      expect(spans[0]!.attributes).toMatchObject({
        'posta_guvercini.host_profile': 'bulk',
        'posta_guvercini.recipients': 3,
      });
      expect(
        statusSpans.reduce(
          (n, span) => n + Number(span.attributes['posta_guvercini.recipients']),
          0,
        ),
      ).toBe(3);
      expect(
        statusSpans.every((span) => span.attributes['posta_guvercini.host_profile'] === 'bulk'),
      ).toBe(true);
      expect(spans.at(-1)!.attributes).toMatchObject({
        'posta_guvercini.host_profile': 'otp',
        'posta_guvercini.recipients': 0,
      });
      for (const span of spans) {
        expect(span.kind).toBe(SpanKind.CLIENT);
        expect(span.attributes['posta_guvercini.api']).toBe(api);
        expect(span.attributes['http.response.status_code']).toBe(200);
        expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
      }
      expect(String(spans[0]!.attributes['posta_guvercini.provider_code'])).not.toBe('');
      const metrics = await otel.collect();
      for (const operation of ['send', 'status', 'credit']) {
        expect(
          counterValue(metrics.get('posta_guvercini.provider.requests'), {
            'posta_guvercini.api': api,
            'posta_guvercini.operation': operation,
            'posta_guvercini.result': 'ok',
          }),
        ).toBeGreaterThanOrEqual(1);
      }
    },
  );

  it('no attribute, status or event holds a phone number, a message text, a code, a password or a secret', async () => {
    const spans = otel.allSpans();
    expect(new Set(spans.map((span) => span.name))).toEqual(
      new Set([
        'posta_guvercini.otp.send',
        'posta_guvercini.otp.verify',
        'posta_guvercini.campaign.batch',
        'posta_guvercini.provider.send',
        'posta_guvercini.provider.status',
        'posta_guvercini.provider.credit',
      ]),
    );
    const values = everyRecordedValue(spans, await otel.collect());
    expect(values.length).toBeGreaterThan(20);
    const forbidden = [
      ...PHONE_FORMS.filter((form) => !form.endsWith('*')),
      '5339876543',
      '5051112233',
      '5440000000',
      '5550000000',
      TEXT,
      'INDIRIM20',
      'Doğrulama',
      OTP_SECRET,
      sim.accounts.otp!.password,
      sim.accounts.bulk!.password,
      ...codes,
    ];
    expect(codes.size).toBeGreaterThan(0);
    for (const value of values) {
      for (const secret of forbidden) expect(value).not.toContain(secret);
      expect(value).not.toMatch(/\d{9,}/); // no phone number in any form
    }
  });
});
