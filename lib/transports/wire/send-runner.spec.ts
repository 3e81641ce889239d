import {
  SmsConnectionError,
  SmsNotSentError,
  SmsPartialSendError,
  SmsTimeoutError,
} from '../../errors/transport.error.js';
import { type BatchOutcome, mapWithConcurrency, runSendRequests } from './send-runner.js';

const request = (...recipients: string[]) => ({ recipients });
const accept = (r: { recipients: string[] }): BatchOutcome => ({
  recipients: r.recipients.map((to) => ({
    to,
    status: 'accepted' as const,
    messageId: `id-${to}`,
  })),
  credits: r.recipients.length,
  providerCode: 'ok',
});

describe('runSendRequests', () => {
  it('runs requests in order with concurrency 1 and sums the outcome', async () => {
    const order: string[] = [];
    const result = await runSendRequests(
      [request('a', 'b'), request('c'), request('d')],
      1,
      async (r) => {
        order.push(r.recipients[0]!);
        await new Promise((resolve) => setTimeout(resolve, r.recipients[0] === 'c' ? 20 : 1));
        return accept(r);
      },
    );
    expect(order).toEqual(['a', 'c', 'd']);
    expect(result).toEqual({
      recipients: ['a', 'b', 'c', 'd'].map((to) => ({
        to,
        status: 'accepted',
        messageId: `id-${to}`,
      })),
      credits: 4,
      requests: 3,
      providerCodes: ['ok', 'ok', 'ok'],
    });
  });

  it('reports results at their positions when requests carry them (N-N grouped by text)', async () => {
    const result = await runSendRequests(
      [
        { recipients: ['a', 'c'], positions: [0, 2] },
        { recipients: ['b'], positions: [1] },
      ],
      2,
      async (r) => accept({ recipients: [...r.recipients] }),
    );
    expect(result.recipients.map((r) => r.to)).toEqual(['a', 'b', 'c']);
    const failing = await runSendRequests(
      [
        { recipients: ['a', 'c'], positions: [0, 2] },
        { recipients: ['b'], positions: [1] },
      ],
      1,
      async (r) => {
        if (r.recipients[0] === 'b') throw new SmsConnectionError('reset', true);
        return accept({ recipients: [...r.recipients] });
      },
    ).catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(SmsPartialSendError);
    expect((failing as SmsPartialSendError).result.recipients.map((r) => [r.to, r.status])).toEqual(
      [
        ['a', 'accepted'],
        ['b', 'failed'],
        ['c', 'accepted'],
      ],
    );
  });

  it('throws the first request’s error as it is', async () => {
    const failure = new SmsConnectionError('refused', false);
    let calls = 0;
    await expect(
      runSendRequests([request('a'), request('b')], 4, async () => {
        calls++;
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it('after a later failure reports accepted, failed and never-sent recipients', async () => {
    const failure = new SmsTimeoutError(200, true);
    const error = await runSendRequests(
      [request('a'), request('b', 'c'), request('d')],
      1,
      async (r) => {
        if (r.recipients[0] === 'b') throw failure;
        return accept(r);
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsPartialSendError);
    const { result, cause } = error as SmsPartialSendError;
    expect(cause).toBe(failure);
    expect(result.recipients.map((r) => [r.to, r.status])).toEqual([
      ['a', 'accepted'],
      ['b', 'failed'],
      ['c', 'failed'],
      ['d', 'failed'],
    ]);
    expect(result.recipients[1]).toMatchObject({ error: failure });
    const notSent = result.recipients[3]!;
    expect(notSent.status === 'failed' && notSent.error).toBeInstanceOf(SmsNotSentError);
    expect(result).toMatchObject({ credits: 1, requests: 2 });
    expect((error as Error).message).toMatch(/accepted 1 of 4 recipients/);
  });

  it('keeps at most `concurrency` requests in flight after the first, and stops starting new ones after a failure', async () => {
    let inFlight = 0;
    let peak = 0;
    const started: string[] = [];
    const requests = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((to) => request(to));
    const error = await runSendRequests(requests, 3, async (r) => {
      started.push(r.recipients[0]!);
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        // 'c' fails at once; the others take a few ms, so the failure is known before they end.
        if (r.recipients[0] === 'c') {
          await Promise.resolve();
          throw new SmsConnectionError('reset', true);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
        return accept(r);
      } finally {
        inFlight--;
      }
    }).catch((e: unknown) => e);
    expect(peak).toBe(3);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    const statuses = (error as SmsPartialSendError).result.recipients.map((r) => r.status);
    expect(statuses).toEqual([
      'accepted',
      'accepted',
      'failed',
      'accepted',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
  });
});

describe('mapWithConcurrency', () => {
  it('returns results in input order', async () => {
    const out = await mapWithConcurrency([30, 1, 10], 3, async (ms, i) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return i;
    });
    expect(out).toEqual([0, 1, 2]);
  });

  it('throws the first failure once running tasks end', async () => {
    const failure = new Error('boom');
    await expect(
      mapWithConcurrency([1, 2, 3], 1, async (n) => {
        if (n === 2) throw failure;
        return n;
      }),
    ).rejects.toBe(failure);
  });
});
