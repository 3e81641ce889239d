import { trace } from '@opentelemetry/api';
import { durableSuite, TIMEOUT } from '../durable-harness.js';
import { type OtelHarness, registerOtel } from './otel-fixtures.js';

/**
 * A durable campaign's batches are sent later, by whichever worker takes their jobs. Their
 * spans must still be children of the span that started the campaign (here, the app's
 * `POST /campaigns` span, which has ended by then), as an in-process campaign's are: the
 * span's ids travel with the campaign in Redis (lib/telemetry/trace-carrier.ts).
 */
const suite = durableSuite({ name: 'otel-durable' });
let otel: OtelHarness;

beforeAll(() => {
  otel = registerOtel();
});

afterAll(async () => {
  await otel.shutdown();
});

const numbers = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `0533${String(2_000_000 + i)}`);

it(
  'batches sent by a worker are children of the span that started the campaign',
  async () => {
    const starter = await suite.instance({ prefix: suite.newPrefix() });
    const { campaign, parent } = await trace
      .getTracer('app')
      .startActiveSpan('POST /campaigns', async (span) => {
        const campaign = starter.send({
          to: numbers(1_700),
          text: 'Kampanya başladı',
          kind: 'informational',
        });
        // The request is answered once the campaign is queued, before its batches are sent.
        await new Promise<void>((resolve) => {
          campaign.progress$.subscribe((p) => p.total !== undefined && resolve());
        });
        span.end();
        return { campaign, parent: span.spanContext() };
      });
    const report = await campaign.done;
    expect(report.sent).toBe(1_700);

    const spans = otel.allSpans();
    const batches = spans.filter((span) => span.name === 'posta_guvercini.campaign.batch');
    expect(batches).toHaveLength(3);
    for (const batch of batches) {
      expect(batch.spanContext().traceId).toBe(parent.traceId);
      expect(batch.parentSpanContext?.spanId).toBe(parent.spanId);
      // And each provider request is the child of its batch, as in process.
      const requests = spans.filter(
        (span) => span.parentSpanContext?.spanId === batch.spanContext().spanId,
      );
      expect(requests.map((span) => span.name)).toEqual(['posta_guvercini.provider.send']);
    }
  },
  TIMEOUT,
);
