import { SmsProviderError } from '../errors/provider.error.js';
import { InMemoryTransport } from './in-memory.transport.js';

describe('InMemoryTransport', () => {
  it('keeps every message, findable by any common form of the number', async () => {
    const transport = new InMemoryTransport();
    const result = await transport.send({
      channel: 'otp',
      to: ['905321234567', '905329876543'],
      text: 'Kodunuz: 123456',
    });
    expect(result.recipients.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(transport.outbox).toHaveLength(2);
    expect(transport.lastMessageTo('0532 123 45 67')?.text).toBe('Kodunuz: 123456');
    expect(transport.lastMessageTo('+90 532 987 65 43', 'otp')?.to).toBe('905329876543');
    expect(transport.lastMessageTo('905321234567', 'bulk')).toBeUndefined();
  });

  it('resolves nextMessage for the given number only', async () => {
    const transport = new InMemoryTransport();
    const next = transport.nextMessage('05329876543');
    await transport.send({
      channel: 'bulk',
      messages: [
        { to: '905321234567', text: 'a' },
        { to: '905329876543', text: 'b' },
      ],
    });
    await expect(next).resolves.toMatchObject({ to: '905329876543', text: 'b' });
  });

  it('reports scheduled, delivered and unknown ids, and refuses a send beyond its credit', async () => {
    const transport = new InMemoryTransport({ credit: 2 });
    const later = new Date(Date.now() + 3_600_000);
    const { recipients } = await transport.send({
      channel: 'bulk',
      to: ['905321234567'],
      text: 'x',
      sendAt: later,
    });
    const id = recipients[0]!.status === 'accepted' ? recipients[0]!.messageId : '';
    const reports = await transport.status({ channel: 'bulk', messageIds: [id, 'nope'] });
    expect(reports.map((r) => r.status)).toEqual(['scheduled', 'unknown']);
    await expect(
      transport.send({ channel: 'bulk', to: ['905321234567', '905329876543'], text: 'x' }),
    ).rejects.toBeInstanceOf(SmsProviderError);
    expect(await transport.credit('bulk')).toEqual({ channel: 'bulk', balance: 1 });
  });
});
