import { SmsProviderError } from '../../lib/errors/provider.error.js';
import { SmsTimeoutError } from '../../lib/errors/transport.error.js';
import { PostaGuverciniSimulator } from '../../lib/testing/simulator/posta-guvercini.simulator.js';
import { FailoverTransport } from '../../lib/transports/failover.transport.js';
import { HttpTransport } from '../../lib/transports/http.transport.js';
import { JsonTransport } from '../../lib/transports/json.transport.js';
import { XmlTransport } from '../../lib/transports/xml.transport.js';
import { numbers } from './transport-fixtures.js';

/** Long enough that the sends of one test never outlast it on a loaded machine. */
const HALF_OPEN_AFTER_MS = 1_000;

/** Resolves once the simulator has recorded (answered) `count` requests in all. */
function answered(sim: PostaGuverciniSimulator, count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (sim.requests.length < count) return;
      sim.off('request', check);
      resolve();
    };
    sim.on('request', check);
    check();
  });
}

describe('FailoverTransport against the simulator (XML first, JSON second)', () => {
  let sim: PostaGuverciniSimulator;
  let failover: FailoverTransport;

  const apisUsed = () => sim.requests.map((r) => r.api);

  beforeAll(async () => {
    sim = new PostaGuverciniSimulator();
    await sim.start();
  });

  beforeEach(() => {
    sim.reset();
    const options = { accounts: sim.accounts, timeoutMs: 300 };
    failover = new FailoverTransport([new XmlTransport(options), new JsonTransport(options)], {
      breaker: { threshold: 2, halfOpenAfterMs: HALF_OPEN_AFTER_MS },
    });
  });

  afterEach(async () => {
    await failover.close();
  });

  afterAll(async () => {
    await sim.stop();
  });

  it('moves on during an outage, opens the breaker, and closes it when the primary recovers', async () => {
    sim.injectFault({ kind: 'http-status', status: 503, api: 'xml', times: Infinity });
    const send = () => failover.send({ channel: 'otp', to: numbers(1), text: 'Kodunuz 123456' });

    await send();
    await send();
    expect(apisUsed()).toEqual(['xml', 'json', 'xml', 'json']);
    expect(sim.messages.map((m) => m.api)).toEqual(['json', 'json']);
    expect(failover.states).toEqual(['open', 'closed']);

    await send(); // the primary is skipped while its breaker is open
    expect(apisUsed().slice(4)).toEqual(['json']);

    sim.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_AFTER_MS + 50));
    await send(); // the trial request goes to the primary and succeeds
    expect(apisUsed().slice(5)).toEqual(['xml']);
    expect(failover.states).toEqual(['closed', 'closed']);
  });

  it('does not re-send a message the primary may have accepted', async () => {
    sim.injectFault({ kind: 'latency', ms: 1_000, api: 'xml' });
    const error = await failover
      .send({ channel: 'otp', to: numbers(1), text: 'Kodunuz 123456' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsTimeoutError);
    expect(error).toMatchObject({ maybeAccepted: true });
    // The primary did take it (its answer came too late): a re-send would have been a duplicate.
    await answered(sim, 1);
    expect(sim.messages.map((m) => m.api)).toEqual(['xml']);
    expect(apisUsed()).toEqual(['xml']);
  });

  it('retries status and credit queries on the secondary after a timeout', async () => {
    const sent = await failover.send({ channel: 'bulk', to: numbers(1, 50), text: 'Kampanya' });
    const messageId =
      sent.recipients[0]!.status === 'accepted' ? sent.recipients[0]!.messageId : '';
    sim.injectFault({ kind: 'latency', ms: 1_000, api: 'xml', times: 2 });
    await expect(failover.status({ channel: 'bulk', messageIds: [messageId] })).resolves.toEqual([
      expect.objectContaining({ messageId, status: 'pending' }),
    ]);
    await expect(failover.credit('bulk')).resolves.toEqual({
      channel: 'bulk',
      balance: sim.creditOf('bulk'),
    });
    // Let the late XML answers land before the next test looks at the requests.
    await answered(sim, 5);
    expect(apisUsed()).toEqual(['xml', 'json', 'json', 'xml', 'xml']);
  });

  it('continues a partly sent batch on the secondary with only the recipients not sent', async () => {
    sim.once('request', () => sim.injectFault({ kind: 'http-status', status: 503, api: 'xml' }));
    const to = numbers(801, 5_000);
    const result = await failover.send({ channel: 'bulk', to, text: 'Toplu duyuru' });

    expect(result.recipients.map((r) => r.status)).toEqual(Array(801).fill('accepted'));
    expect(sim.messages.map((m) => m.to)).toEqual(to);
    expect(sim.messages.map((m) => m.api)).toEqual([...Array(800).fill('xml'), 'json']);
    expect(sim.requests.map((r) => [r.api, r.recipients, r.status])).toEqual([
      ['xml', 800, 200],
      ['xml', 0, 503],
      ['json', 1, 200],
    ]);
    expect(result.requests).toBe(3);
  });

  it('does not fail over a provider application error', async () => {
    const options = { accounts: sim.accounts, timeoutMs: 300 };
    const strict = new FailoverTransport([new HttpTransport(options), new JsonTransport(options)]);
    try {
      const error = await strict
        .send({ channel: 'otp', to: ['902121234567'], text: 'x' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SmsProviderError);
      expect(error).toMatchObject({ providerCode: '-1003' });
      expect(apisUsed()).toEqual(['http']);
    } finally {
      await strict.close();
    }
  });
});
