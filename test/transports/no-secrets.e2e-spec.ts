import { inspect } from 'node:util';
import { percentEncodeIso88599 } from '../../lib/message/iso-8859-9.js';
import { PostaGuverciniSimulator } from '../../lib/testing/simulator/posta-guvercini.simulator.js';
import { FailoverTransport } from '../../lib/transports/failover.transport.js';
import type { SmsTransport } from '../../lib/transports/sms-transport.js';
import { numbers, WIRE_APIS, WIRE_TRANSPORTS } from './transport-fixtures.js';

/**
 * No password may appear in any log line, error message, `String(error)`,
 * `JSON.stringify(error)`, `util.inspect(error)`, cause chain, result, or in how a transport
 * prints itself — on success and on every failure path.
 */
const SECRETS = {
  otp: 'Gizli&Şifre<"otp">',
  bulk: "p@ss'w0rd%20+bulk",
  wrong: 'Yanlış&Parola<7>',
};

/** The password as it travels on each wire (percent-encoded, escaped, JSON). */
function forms(secret: string): string[] {
  const xml = secret
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
  return [
    secret,
    percentEncodeIso88599(secret, { charset: 'windows-1254' }),
    xml,
    JSON.stringify(secret).slice(1, -1),
  ];
}
const FORBIDDEN = Object.values(SECRETS).flatMap(forms);

/** Everything a program or a person could print of a value, following causes and results. */
function renderings(value: unknown, seen = new Set<unknown>()): string[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return [inspect(value)];
  seen.add(value);
  const out = [
    Object.prototype.toString.call(value),
    inspect(value, { depth: 12 }),
    safeJson(value),
  ];
  if (value instanceof Error) out.push(String(value));
  if (value instanceof Error) {
    out.push(value.message, value.stack ?? '');
    if (value.cause !== undefined) out.push(...renderings(value.cause, seen));
    const result = (value as { result?: { recipients?: { error?: unknown }[] } }).result;
    for (const recipient of result?.recipients ?? [])
      if (recipient.error) out.push(...renderings(recipient.error, seen));
  }
  return out;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch (error) {
    return String(error);
  }
}

describe('no password on any path', () => {
  let sim: PostaGuverciniSimulator;
  const printed: string[] = [];
  const observed: unknown[] = [];
  const restore: (() => void)[] = [];

  beforeAll(async () => {
    // Capture every console method and every write to stdout/stderr.
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      const original = console[method];
      console[method] = (...args: unknown[]) => {
        printed.push(
          args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 12 }))).join(' '),
        );
      };
      restore.push(() => (console[method] = original));
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = (chunk: unknown, ...rest: unknown[]) => {
        printed.push(String(chunk));
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      };
      restore.push(() => (stream.write = original));
    }
    sim = new PostaGuverciniSimulator({
      accounts: {
        otp: { username: 'otp-user', password: SECRETS.otp },
        bulk: { username: 'bulk-user', password: SECRETS.bulk },
      },
    });
    await sim.start();
  });

  afterAll(async () => {
    await sim.stop();
    for (const undo of restore.splice(0)) undo();
  });

  /** Runs an operation and keeps whatever it produced (result or error) for inspection. */
  const attempt = async (operation: () => Promise<unknown>): Promise<unknown> => {
    try {
      const value = await operation();
      observed.push(value);
      return value;
    } catch (error) {
      observed.push(error);
      return error;
    }
  };

  async function exercise(transport: SmsTransport): Promise<void> {
    observed.push(transport);
    const sent = await attempt(() =>
      transport.send({ channel: 'otp', to: numbers(2), text: 'Doğrulama kodunuz 482913' }),
    );
    const ids = ((sent as { recipients?: { messageId?: string }[] }).recipients ?? []).map(
      (r) => r.messageId ?? 'C1_X',
    );
    await attempt(() =>
      transport.send({ channel: 'bulk', messages: [{ to: numbers(1)[0]!, text: 'Merhaba' }] }),
    );
    await attempt(() =>
      transport.status({ channel: 'otp', messageIds: ids.length > 0 ? ids : ['C1_X'] }),
    );
    await attempt(() => transport.credit('bulk'));
    // Bad input.
    await attempt(() => transport.send({ channel: 'otp', to: ['123'], text: 'x' }));
    await attempt(() => transport.send({ channel: 'otp', to: numbers(1), text: '' }));
  }

  it.each(WIRE_APIS)(
    '%s transport: success, every fault, wrong password, partial send, refused connection',
    async (api) => {
      const transport = WIRE_TRANSPORTS[api]({ accounts: sim.accounts, timeoutMs: 200 });
      const wrong = WIRE_TRANSPORTS[api]({
        accounts: {
          otp: { ...sim.accounts.otp!, password: SECRETS.wrong },
          bulk: { ...sim.accounts.bulk!, password: SECRETS.wrong },
        },
        timeoutMs: 200,
      });
      try {
        await exercise(transport);
        for (const fault of [
          { kind: 'latency', ms: 2_000 },
          { kind: 'reset' },
          { kind: 'http-status', status: 503 },
          { kind: 'http-status', status: 500 },
          { kind: 'malformed' },
          { kind: 'provider-error' },
        ] as const) {
          sim.injectFault({ ...fault, api, times: Infinity });
          await exercise(transport);
          sim.clearFaults();
        }
        await exercise(wrong);
        sim.once('request', () => sim.injectFault({ kind: 'reset', api }));
        await attempt(() =>
          transport.send({ channel: 'bulk', to: numbers(801, 100), text: 'Toplu' }),
        );
      } finally {
        await transport.close();
        await wrong.close();
      }
      const stopped = new PostaGuverciniSimulator({
        accounts: { otp: { username: 'u', password: SECRETS.otp } },
      });
      await stopped.start();
      const accounts = stopped.accounts;
      await stopped.stop();
      const orphan = WIRE_TRANSPORTS[api]({ accounts, timeoutMs: 200 });
      await exercise(orphan);
      await orphan.close();

      assertNoSecret();
    },
  );

  it('failover transport: outage, open breakers, and how it prints itself', async () => {
    const members = WIRE_APIS.map((api) =>
      WIRE_TRANSPORTS[api]({ accounts: sim.accounts, timeoutMs: 200 }),
    );
    const failover = new FailoverTransport(members, {
      breaker: { threshold: 1, halfOpenAfterMs: 60_000 },
    });
    try {
      sim.injectFault({ kind: 'http-status', status: 503, times: Infinity });
      await exercise(failover);
      await exercise(failover); // every breaker open now
      sim.clearFaults();
      console.log('transport in use:', failover);
    } finally {
      await failover.close();
    }
    assertNoSecret();
  });

  function assertNoSecret(): void {
    // The test must have seen errors of every kind for this to mean anything.
    const codes = new Set(
      observed
        .map((value) => (value as { code?: unknown }).code)
        .filter((code) => typeof code === 'string'),
    );
    expect(codes.size).toBeGreaterThanOrEqual(5);
    const texts = [...printed, ...observed.flatMap((value) => renderings(value))];
    for (const text of texts) {
      for (const secret of FORBIDDEN) {
        if (text.includes(secret))
          throw new Error(`a password form leaked into: ${text.slice(0, 300)}`);
      }
    }
  }
});
