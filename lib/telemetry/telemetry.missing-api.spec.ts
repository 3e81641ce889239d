import { jest } from '@jest/globals';

// Simulates an application that never installed the optional peer @opentelemetry/api.
jest.unstable_mockModule('@opentelemetry/api', () => {
  throw Object.assign(new Error("Cannot find package '@opentelemetry/api'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
});

const { Test } = await import('@nestjs/testing');
const { PostaGuverciniModule } = await import('../posta-guvercini.module.js');
const { OtpService } = await import('../otp/otp.service.js');
const { BulkSmsService } = await import('../bulk/bulk-sms.service.js');
const { FailoverTransport } = await import('../transports/failover.transport.js');
const { XmlTransport } = await import('../transports/xml.transport.js');
const { PostaGuverciniSimulator } =
  await import('../testing/simulator/posta-guvercini.simulator.js');

describe('without @opentelemetry/api installed', () => {
  it('OTP, bulk, transports and failover work as usual (nothing is recorded, nothing throws)', async () => {
    const sim = new PostaGuverciniSimulator();
    await sim.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        PostaGuverciniModule.forRoot({
          transport: 'json',
          accounts: sim.accounts,
          otp: { secret: 'no-otel-secret-1234567890abcdefghijklmnop' },
        }),
      ],
    }).compile();
    const failover = new FailoverTransport([new XmlTransport({ accounts: sim.accounts })], {
      breaker: { threshold: 1 },
    });
    try {
      const otp = moduleRef.get(OtpService);
      const challenge = await otp.send({ phone: '05321234567' });
      const code = /(\d{6})/.exec(sim.lastMessageTo('05321234567')!.text)![1]!;
      await expect(otp.verify({ challengeId: challenge.challengeId, code })).resolves.toMatchObject(
        { valid: true },
      );
      const report = await moduleRef
        .get(BulkSmsService)
        .send({ to: ['05321112233', '05321112244'], text: 'Bilgi', kind: 'informational' }).done;
      expect(report.sent).toBe(2);
      sim.injectFault({ kind: 'http-status', status: 503, times: 1 });
      await expect(failover.credit('otp')).rejects.toMatchObject({ code: 'TRANSPORT_HTTP_STATUS' });
      expect(failover.states).toEqual(['open']);
    } finally {
      await failover.close();
      await moduleRef.close();
      await sim.stop();
    }
  });
});
