/**
 * The sample's OpenTelemetry export (`sample/src/telemetry.ts`), as `npm run sample` starts it:
 * - `SAMPLE_OTEL=prometheus`: a Prometheus endpoint on `SAMPLE_OTEL_PROMETHEUS_PORT` that,
 *   after an OTP login through the sample, serves the package's `posta_guvercini` metrics;
 * - `SAMPLE_OTEL=console`: spans and metrics printed by the SDK's console exporters.
 * Neither shows the phone number, the code or a password.
 */
import { jest } from '@jest/globals';
import { context, metrics, trace } from '@opentelemetry/api';
import request from 'supertest';
import { startSampleTelemetry } from '../src/telemetry.js';
import {
  codeIn,
  DEMO_PHONE_CANONICAL,
  type RunningSample,
  startSample,
} from './sample-app.fixture.js';
import { freePort } from '../../test/support/redis-server.js';

/** The internet-branch login of the sample: password, the code from the SMS, signed in. */
async function otpLogin(sample: RunningSample): Promise<string> {
  const agent = request.agent(sample.app.getHttpServer());
  await agent
    .post('/api/branch/login')
    .send({ customerNo: '10000001', password: 'demo1234' })
    .expect(200);
  const challenge = await agent.post('/api/branch/otp').send({}).expect(401);
  const code = codeIn(sample.simulator.lastMessageTo(DEMO_PHONE_CANONICAL, 'otp')!.text);
  await agent
    .post('/api/branch/otp')
    .set('X-OTP-Challenge', challenge.body.challengeId)
    .set('X-OTP-Code', code)
    .send({})
    .expect(200);
  return code;
}

/** Forgets the global OpenTelemetry providers a mode registered. */
function unregisterOtel(): void {
  metrics.disable();
  trace.disable();
  context.disable();
}

describe('Sample app: OpenTelemetry export (SAMPLE_OTEL)', () => {
  it('is off by default: nothing is registered', async () => {
    expect(await startSampleTelemetry({})).toBeUndefined();
    expect(await startSampleTelemetry({ SAMPLE_OTEL: 'off' })).toBeUndefined();
    await expect(startSampleTelemetry({ SAMPLE_OTEL: 'grafana' })).rejects.toThrow(
      "SAMPLE_OTEL must be 'console', 'prometheus' or 'off', got 'grafana'",
    );
  });

  describe('SAMPLE_OTEL=prometheus', () => {
    let port: number;
    let stop: (() => Promise<void>) | undefined;
    let sample: RunningSample | undefined;

    beforeAll(async () => {
      port = await freePort();
      stop = await startSampleTelemetry({
        SAMPLE_OTEL: 'prometheus',
        SAMPLE_OTEL_PROMETHEUS_PORT: String(port),
      });
      sample = await startSample();
    });

    afterAll(async () => {
      await sample?.close();
      await stop?.();
      unregisterOtel();
    });

    it('serves the posta_guvercini metrics of an OTP login at /metrics', async () => {
      expect(stop).toBeDefined();
      const code = await otpLogin(sample!);

      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      const samples = text.split('\n').filter((line) => line.startsWith('posta_guvercini_'));

      // One code sent and verified, for the sample's login purpose.
      expect(samples).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^posta_guvercini_otp_sends(_total)?\{[^}]*\} 1$/),
          expect.stringMatching(
            /^posta_guvercini_otp_verifications(_total)?\{[^}]*posta_guvercini_outcome="verified"[^}]*\} 1$/,
          ),
        ]),
      );
      // The provider request that carried the SMS: JSON API, OTP host, accepted.
      const requests = samples.find((line) =>
        /^posta_guvercini_provider_requests(_total)?\{/.test(line),
      );
      expect(requests).toMatch(/posta_guvercini_api="json"/);
      expect(requests).toMatch(/posta_guvercini_host_profile="otp"/);
      expect(requests).toMatch(/posta_guvercini_operation="send"/);
      expect(requests).toMatch(/posta_guvercini_result="ok"/);
      expect(requests).toMatch(/\} 1$/);
      expect(samples).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^posta_guvercini_provider_request_duration_count\{/),
        ]),
      );
      // Nothing that identifies the customer or could sign in.
      expect(text).not.toContain(DEMO_PHONE_CANONICAL);
      expect(text).not.toContain('demo1234');
      expect(text).not.toMatch(new RegExp(`(?<![\\da-f.])${code}(?![\\da-f.])`));
    });
  });

  describe('SAMPLE_OTEL=console', () => {
    it('prints the spans and, on shutdown, the metrics of an OTP login', async () => {
      const printed: unknown[] = [];
      const dir = jest.spyOn(console, 'dir').mockImplementation((item) => void printed.push(item));
      const log = jest.spyOn(console, 'log').mockImplementation((item) => void printed.push(item));
      let sample: RunningSample | undefined;
      let code: string | undefined;
      try {
        const stop = await startSampleTelemetry({
          SAMPLE_OTEL: 'console',
          SAMPLE_OTEL_INTERVAL_MS: '600000', // only the export on shutdown
        });
        expect(stop).toBeDefined();
        sample = await startSample();
        code = await otpLogin(sample);
        await sample.close();
        sample = undefined;
        await stop!();
      } finally {
        await sample?.close();
        dir.mockRestore();
        log.mockRestore();
        unregisterOtel();
      }

      const names = printed.flatMap((item) => {
        const { name } = (item ?? {}) as { name?: unknown };
        return typeof name === 'string' ? [name] : [];
      });
      expect(names).toEqual(
        expect.arrayContaining([
          'posta_guvercini.otp.send',
          'posta_guvercini.provider.send',
          'posta_guvercini.otp.verify',
        ]),
      );
      const metricNames = printed.flatMap((item) => {
        const descriptor = (item as { descriptor?: { name?: unknown } } | null)?.descriptor;
        return typeof descriptor?.name === 'string' ? [descriptor.name] : [];
      });
      expect(metricNames).toEqual(
        expect.arrayContaining([
          'posta_guvercini.otp.sends',
          'posta_guvercini.otp.verifications',
          'posta_guvercini.provider.requests',
        ]),
      );
      expect(code).toMatch(/^\d{4,10}$/);
      const all = JSON.stringify(printed);
      expect(all).not.toContain(DEMO_PHONE_CANONICAL);
      expect(all).not.toContain('demo1234');
      expect(all).not.toMatch(new RegExp(`(?<![\\da-f.])${code}(?![\\da-f.])`));
    });
  });
});
