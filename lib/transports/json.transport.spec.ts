import { CannedProvider } from '../../test/transports/canned-provider.js';
import { SmsProviderError } from '../errors/provider.error.js';
import { SmsHttpStatusError, SmsMalformedResponseError } from '../errors/transport.error.js';
import { JsonTransport } from './json.transport.js';

const envelope = (
  StatusCode: number,
  Result: unknown,
  StatusDescription = 'Transaction done successfully',
) => JSON.stringify({ StatusCode, StatusDescription, Result });

describe('JsonTransport wire format', () => {
  const provider = new CannedProvider();
  let transport: JsonTransport;
  const sentJson = (index = 0) =>
    JSON.parse(provider.received[index]!.body.toString('utf8')) as unknown;

  beforeAll(async () => {
    const baseUrl = await provider.start();
    transport = new JsonTransport({
      accounts: { bulk: { username: 'bulk-user', password: 'p"ss\\Ş', baseUrl } },
      sender: 'ACME',
    });
  });
  afterEach(() => provider.clear());
  afterAll(async () => {
    await transport.close();
    await provider.stop();
  });

  it('sends 1-N with Send_1_N: PascalCase UTF-8 JSON, Channel, Originator, compact Istanbul dates; credits from Charge', async () => {
    provider.reply({
      body: envelope(200, [
        { MessageId: 'C1_A', Receiver: '905321234567', Charge: 2 },
        { MessageId: 'C1_B', Receiver: '905331234567', Charge: 2 },
      ]),
    });
    const result = await transport.send({
      channel: 'bulk',
      to: ['905321234567', '905331234567'],
      text: 'Şişli — "tamam"',
      validUntil: new Date('2026-11-27T21:05:00Z'),
    });
    expect(provider.received[0]!.path).toBe('/api_json/v1/Sms/Send_1_N');
    expect(provider.received[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(sentJson()).toEqual({
      Message: 'Şişli — "tamam"',
      Receivers: ['905321234567', '905331234567'],
      SendDate: null,
      ExpireDate: '20261128 00:05',
      Channel: 'BULK',
      Originator: 'ACME',
      Username: 'bulk-user',
      Password: 'p"ss\\Ş',
    });
    expect(result).toEqual({
      recipients: [
        {
          to: '905321234567',
          status: 'accepted',
          messageId: 'C1_A',
          charge: 2,
          providerCode: 'StatusCode=200',
        },
        {
          to: '905331234567',
          status: 'accepted',
          messageId: 'C1_B',
          charge: 2,
          providerCode: 'StatusCode=200',
        },
      ],
      credits: 4,
      requests: 1,
      providerCodes: ['StatusCode=200'],
    });
  });

  it.each(['Kodunuz: 482913', 'Şişli — "tamam"', 'a\\b', 'satır\nsatır\r', 'emoji 😀 ok'])(
    'writes a Send_1_N body byte for byte as JSON.stringify would (%p)',
    async (text) => {
      provider.reply({
        body: envelope(200, [{ MessageId: 'C1_A', Receiver: '905321234567', Charge: 1 }]),
      });
      await transport.send({ channel: 'bulk', to: ['905321234567'], text });
      expect(provider.received[0]!.body.toString('utf8')).toBe(
        JSON.stringify({
          Message: text,
          Receivers: ['905321234567'],
          SendDate: null,
          ExpireDate: null,
          Channel: 'BULK',
          Originator: 'ACME',
          Username: 'bulk-user',
          Password: 'p"ss\\Ş',
        }),
      );
    },
  );

  it('sends N-N with Send_N_N', async () => {
    provider.reply({
      body: envelope(200, [{ MessageId: 'C1_A', Receiver: '905321234567', Charge: 1 }]),
    });
    await transport.send({
      channel: 'bulk',
      messages: [{ to: '905321234567', text: 'bir' }],
      sender: 'OTHER',
    });
    expect(provider.received[0]!.path).toBe('/api_json/v1/Sms/Send_N_N');
    expect(sentJson()).toMatchObject({
      Messages: [{ Receiver: '905321234567', Message: 'bir' }],
      Originator: 'OTHER',
    });
  });

  it('throws a StatusCode other than 200 as SmsProviderError with the description', async () => {
    provider.reply({
      body: envelope(
        1070,
        null,
        'Too many recipients. You must add no more than 800 recipients at once. (ERR1070)',
      ),
    });
    const error = await transport
      .send({ channel: 'bulk', to: ['905321234567'], text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsProviderError);
    expect(error).toMatchObject({
      api: 'json',
      providerCode: '1070',
      meaning: 'more than 800 recipients in one request',
    });
  });

  it.each([
    ['not JSON', '{"StatusCode":200,"Resu'],
    ['no StatusCode', '{"Message":"An error has occurred."}'],
    ['a result count mismatch', envelope(200, [])],
  ])('refuses %s as malformed', async (_label, body) => {
    provider.reply({ body });
    await expect(
      transport.send({ channel: 'bulk', to: ['905321234567'], text: 'x' }),
    ).rejects.toBeInstanceOf(SmsMalformedResponseError);
  });

  it('maps a Web API 415 to SmsHttpStatusError', async () => {
    provider.reply({ status: 415, body: '{"Message":"unsupported media type"}' });
    await expect(transport.credit('bulk')).rejects.toBeInstanceOf(SmsHttpStatusError);
  });

  it('reads status with the provider flag, the receiver and StatusTime as Istanbul time', async () => {
    provider.reply({
      body: envelope(200, [
        {
          MessageId: 'C1_A',
          Receiver: '905321234567',
          SmsStatus: '400',
          SmsStatusDescription: 'Alıcıya iletildi',
          IsFinalStatus: '1',
          StatusTime: '2026-11-28T00:05:04',
          SmsCharge: '1',
        },
        {
          MessageId: 'C1_X',
          Receiver: '',
          SmsStatus: '',
          SmsStatusDescription: 'Bilinmiyor ?',
          IsFinalStatus: '',
          StatusTime: '',
          SmsCharge: '',
        },
      ]),
    });
    const reports = await transport.status({ channel: 'bulk', messageIds: ['C1_A', 'C1_X'] });
    expect(sentJson()).toEqual({
      MessageIds: ['C1_A', 'C1_X'],
      Username: 'bulk-user',
      Password: 'p"ss\\Ş',
    });
    expect(reports).toEqual([
      {
        messageId: 'C1_A',
        status: 'delivered',
        final: true,
        providerCode: '400',
        description: 'delivered to the recipient',
        to: '905321234567',
        at: new Date('2026-11-27T21:05:04Z'),
      },
      {
        messageId: 'C1_X',
        status: 'unknown',
        final: true,
        providerCode: '',
        description: 'message id not known to the provider',
      },
    ]);
  });

  it('reads the credit from Result.Balance', async () => {
    provider.reply({ body: envelope(200, { Balance: 22 }) });
    await expect(transport.credit('bulk')).resolves.toEqual({ channel: 'bulk', balance: 22 });
    expect(provider.received[0]!.path).toBe('/api_json/v1/Sms/CreditBalance');
  });
});
