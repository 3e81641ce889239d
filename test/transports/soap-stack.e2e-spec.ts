import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as soap from 'soap';
import { SmsProviderError } from '../../lib/errors/provider.error.js';
import { PostaGuverciniSimulator } from '../../lib/testing/simulator/posta-guvercini.simulator.js';
import { SoapTransport } from '../../lib/transports/soap.transport.js';

/**
 * Conformance with a real SOAP stack: the `soap` package serves and consumes a document/literal
 * WSDL of the four attested operations (test/fixtures/posta-guvercini.wsdl), so neither side
 * is checked only against the other's assumptions.
 */
const WSDL_PATH = new URL('../fixtures/posta-guvercini.wsdl', import.meta.url).pathname;
const WSDL = readFileSync(WSDL_PATH, 'utf8');
const PATH = '/api_ws/smsservice.asmx';

/** What the SOAP stack deserialised for one call. */
interface Call {
  readonly operation: string;
  readonly args: Record<string, unknown>;
}

/** An ArrayOfString as the soap package gives it: absent, one string, or a list. */
const list = (value: unknown): string[] =>
  value === undefined || value === null
    ? []
    : ([] as unknown[]).concat((value as { string?: unknown }).string ?? []).map(String);

describe('SoapTransport against a real SOAP stack serving the WSDL', () => {
  const calls: Call[] = [];
  let server: Server;
  let transport: SoapTransport;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const record = (operation: string, args: Record<string, unknown>): void =>
      void calls.push({ operation, args });
    const operations = {
      SmsInsert_1_N: (args: Record<string, unknown>) => {
        record('SmsInsert_1_N', args);
        // One entry per recipient: an id, or -1003 for a number that is not a Turkish mobile.
        return {
          SmsInsert_1_NResult: {
            string: list(args['Recepients']).map((to) =>
              /^905\d{9}$/.test(to) ? `C1_${to}_${String(args['Message'])}` : '-1003',
            ),
          },
        };
      },
      SmsInsert_N_N: (args: Record<string, unknown>) => {
        record('SmsInsert_N_N', args);
        return { SmsInsert_N_NResult: { string: [] } };
      },
      CreditBalance: (args: Record<string, unknown>) => {
        record('CreditBalance', args);
        return { CreditBalanceResult: '4321' };
      },
      IdCheck: (args: Record<string, unknown>) => {
        record('IdCheck', args);
        return { IdCheckResult: 'ACME' };
      },
    };
    soap.listen(
      server,
      PATH,
      { smsservice: { smsserviceSoap: operations, smsserviceSoap12: operations } },
      WSDL,
    );
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    transport = new SoapTransport({
      accounts: { bulk: { username: 'acme & co', password: 'p<ss>"1"', baseUrl } },
    });
  });

  afterAll(async () => {
    await transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => (calls.length = 0));

  it('1-N: the stack reads every SmsInsert_1_N parameter as sent, and the transport reads its string[] result', async () => {
    const sendAt = new Date('2030-01-02T07:30:00Z');
    const validUntil = new Date('2030-01-02T10:30:00Z');
    const text = `Şişli'de — 5 < 6 & "tamam"`;
    const result = await transport.send({
      channel: 'bulk',
      to: ['905321234567', '905331234567'],
      text,
      sendAt,
      validUntil,
    });
    expect(calls).toHaveLength(1);
    const [{ operation, args }] = calls as [Call];
    expect(operation).toBe('SmsInsert_1_N');
    expect({
      ...args,
      SendDate: new Date(String(args['SendDate'])),
      ExpireDate: new Date(String(args['ExpireDate'])),
      Recepients: list(args['Recepients']),
    }).toEqual({
      Username: 'acme & co',
      Password: 'p<ss>"1"',
      SendDate: sendAt,
      ExpireDate: validUntil,
      Recepients: ['905321234567', '905331234567'],
      Message: text,
    });
    expect(result.recipients).toEqual([
      { to: '905321234567', status: 'accepted', messageId: `C1_905321234567_${text}` },
      { to: '905331234567', status: 'accepted', messageId: `C1_905331234567_${text}` },
    ]);
  });

  it('1-N: absent dates travel as xsi:nil, which the stack reads as no value; a -1003 entry rejects only its recipient', async () => {
    const result = await transport.send({
      channel: 'bulk',
      to: ['905321234567', '902121234567'],
      text: 'Merhaba',
    });
    const [{ args }] = calls as [Call];
    expect(args['SendDate'] ?? null).toBeNull();
    expect(args['ExpireDate'] ?? null).toBeNull();
    expect(result.recipients.map((r) => [r.to, r.status])).toEqual([
      ['905321234567', 'accepted'],
      ['902121234567', 'rejected'],
    ]);
    expect(result.recipients[1]).toMatchObject({ error: { code: 'PROVIDER_INVALID_NUMBER' } });
  });

  it('N-N: sent as SmsInsert_1_N calls, one per distinct text, never SmsInsert_N_N; results in request order', async () => {
    const messages = [
      { to: '905321234567', text: 'Kargonuz yolda' },
      { to: '905331234567', text: 'Siparişiniz hazır' },
      { to: '905341234567', text: 'Kargonuz yolda' },
    ];
    const result = await transport.send({ channel: 'bulk', messages });
    expect(calls.map((c) => [c.operation, list(c.args['Recepients']), c.args['Message']])).toEqual([
      ['SmsInsert_1_N', ['905321234567', '905341234567'], 'Kargonuz yolda'],
      ['SmsInsert_1_N', ['905331234567'], 'Siparişiniz hazır'],
    ]);
    expect(result.requests).toBe(2);
    expect(result.recipients).toEqual(
      messages.map((m) => ({
        to: m.to,
        status: 'accepted',
        messageId: `C1_${m.to}_${m.text}`,
      })),
    );
  });

  it('credit: CreditBalance with the account’s credentials', async () => {
    await expect(transport.credit('bulk')).resolves.toEqual({ channel: 'bulk', balance: 4321 });
    expect(calls).toEqual([
      { operation: 'CreditBalance', args: { Username: 'acme & co', Password: 'p<ss>"1"' } },
    ]);
  });
});

describe.each([
  ['SOAP 1.1', false],
  ['SOAP 1.2', true],
])(
  "the simulator's SOAP endpoint called by a soap client generated from the WSDL (%s)",
  (_version, soap12) => {
    const sim = new PostaGuverciniSimulator();
    const assuming = new PostaGuverciniSimulator({ assumeSoapManyToManyElementNames: true });
    let client: soap.Client;
    let assumingClient: soap.Client;
    const credentials = { Username: 'bulk-user', Password: 'bulk-secret' };

    beforeAll(async () => {
      await Promise.all([sim.start(), assuming.start()]);
      const options = { forceSoap12Headers: soap12 };
      client = await soap.createClientAsync(WSDL_PATH, options, `${sim.bulkBaseUrl}${PATH}`);
      assumingClient = await soap.createClientAsync(
        WSDL_PATH,
        options,
        `${assuming.bulkBaseUrl}${PATH}`,
      );
    });
    afterAll(async () => {
      await Promise.all([sim.stop(), assuming.stop()]);
    });
    beforeEach(() => {
      sim.reset();
      assuming.reset();
    });

    it('SmsInsert_1_N: one id per recipient, -1003 in place of an invalid number', async () => {
      const [result] = (await client.SmsInsert_1_NAsync({
        ...credentials,
        Recepients: { string: ['905321234567', '123', '+90 533 123 45 67'] },
        Message: 'Şişli — 5 < 6 & "tamam"',
      })) as [{ SmsInsert_1_NResult: unknown }];
      const [first, second] = sim.messages;
      expect(list(result.SmsInsert_1_NResult)).toEqual([first!.id, '-1003', second!.id]);
      expect(sim.messages.map((m) => [m.to, m.text, m.api])).toEqual([
        ['905321234567', 'Şişli — 5 < 6 & "tamam"', 'soap'],
        ['905331234567', 'Şişli — 5 < 6 & "tamam"', 'soap'],
      ]);
      expect(sim.requests.at(-1)).toMatchObject({ operation: 'SmsInsert_1_N', status: 200 });
    });

    it('SmsInsert_1_N with an xsd:dateTime SendDate: the simulator reads the same instant', async () => {
      const sendAt = new Date(Math.ceil((sim.now().getTime() + 3_600_000) / 60_000) * 60_000);
      await client.SmsInsert_1_NAsync({
        ...credentials,
        SendDate: sendAt.toISOString(),
        Recepients: { string: ['905321234567'] },
        Message: 'Randevu',
      });
      expect(client.lastRequest).toContain(`${sendAt.toISOString()}</`);
      expect(sim.messages[0]!.requested.sendAt).toEqual(sendAt);
    });

    it('SmsInsert_1_N with an empty SendDate (what this stack writes for a Date object): a client fault, as ASMX answers', async () => {
      const error = await client
        .SmsInsert_1_NAsync({
          ...credentials,
          SendDate: new Date(),
          Recepients: { string: ['905321234567'] },
          Message: 'Randevu',
        })
        .catch((e: unknown) => e);
      expect(client.lastRequest).toMatch(
        /<(?:\w+:)?SendDate><\/(?:\w+:)?SendDate>|<(?:\w+:)?SendDate\/>/,
      );
      expect((error as { response?: { status?: number } }).response?.status).toBe(500);
      expect(String(error)).toMatch(soap12 ? /soap:Sender/ : /soap:Client/);
      expect(sim.messages).toHaveLength(0);
    });

    it('CreditBalance and IdCheck', async () => {
      sim.setCredit('bulk', 777);
      const [credit] = (await client.CreditBalanceAsync(credentials)) as [
        { CreditBalanceResult: string },
      ];
      expect(credit.CreditBalanceResult).toBe('777');
      const [id] = (await client.IdCheckAsync(credentials)) as [{ IdCheckResult: string }];
      expect(id.IdCheckResult).toBe('SIMULATOR');
    });

    it('SmsInsert_N_N: a fault unless the simulator assumes its parameter names, then parallel arrays', async () => {
      const args = {
        ...credentials,
        Recepients: { string: ['905321234567', '905331234567'] },
        Messages: { string: ['bir', 'iki'] },
      };
      const refused = await client.SmsInsert_N_NAsync(args).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Error);
      expect((refused as { response?: { status?: number } }).response?.status).toBe(500);
      expect(sim.messages).toHaveLength(0);

      const [result] = (await assumingClient.SmsInsert_N_NAsync(args)) as [
        { SmsInsert_N_NResult: unknown },
      ];
      expect(list(result.SmsInsert_N_NResult)).toEqual(assuming.messages.map((m) => m.id));
      expect(assuming.messages.map((m) => [m.to, m.text])).toEqual([
        ['905321234567', 'bir'],
        ['905331234567', 'iki'],
      ]);
    });

    it('wrong credentials: the code in place of the result, as a string the client reads', async () => {
      const [credit] = (await client.CreditBalanceAsync({ ...credentials, Password: 'x' })) as [
        { CreditBalanceResult: string },
      ];
      expect(credit.CreditBalanceResult).toBe('-1002');
    });
  },
);

it('a soap:Client fault from a real stack is read as a provider error', async () => {
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const faulting = {
    SmsInsert_1_N: () => {
      // The soap package answers a thrown { Fault } object with a SOAP fault (HTTP 500).
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw {
        Fault: { faultcode: 'soap:Client', faultstring: 'Server was unable to read request.' },
      };
    },
  };
  soap.listen(server, PATH, { smsservice: { smsserviceSoap: faulting } }, WSDL);
  const transport = new SoapTransport({
    accounts: {
      otp: {
        username: 'u',
        password: 'p',
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      },
    },
  });
  try {
    const error = await transport
      .send({ channel: 'otp', to: ['905321234567'], text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsProviderError);
    expect(error).toMatchObject({ api: 'soap', providerCode: 'soap:Client' });
  } finally {
    await transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
