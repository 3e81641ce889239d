import { SmsValidationError } from '../../errors/validation.error.js';
import type { SendRequest } from '../sms-transport.types.js';
import { groupByText, planSend, planStatus, splitPlan, textFieldOf } from './send-plan.js';

describe('planSend', () => {
  it('normalises 1-N and N-N requests and applies the default sender', () => {
    expect(planSend({ channel: 'otp', to: ['905321234567'], text: 'a' }, 'ACME')).toEqual({
      channel: 'otp',
      text: 'a',
      messages: [{ to: '905321234567', text: 'a' }],
      sendAt: undefined,
      validUntil: undefined,
      sender: 'ACME',
    });
    expect(
      planSend(
        { channel: 'bulk', messages: [{ to: '905321234567', text: 'b' }], sender: 'X' },
        'ACME',
      ),
    ).toMatchObject({
      text: undefined,
      messages: [{ to: '905321234567', text: 'b' }],
      sender: 'X',
    });
  });

  it.each([
    [{ channel: 'sms', to: ['905321234567'], text: 'a' }, 'channel', 'INVALID_CHANNEL'],
    [
      { channel: 'otp', to: ['905321234567', '+905321234567'], text: 'a' },
      'to[1]',
      'INVALID_PHONE',
    ],
    [
      {
        channel: 'otp',
        messages: [
          { to: '905321234567', text: 'a' },
          { to: '905321234567', text: ' ' },
        ],
      },
      'messages[1].text',
      'TEXT_EMPTY',
    ],
    [{ channel: 'otp', to: ['905321234567'], text: 'a'.repeat(481) }, 'text', 'TEXT_TOO_LONG'],
    [
      {
        channel: 'otp',
        to: ['905321234567'],
        text: 'a',
        sendAt: new Date(2_000),
        validUntil: new Date(1_000),
      },
      'validUntil',
      'INVALID_VALIDITY',
    ],
    [
      { channel: 'otp', to: ['905321234567'], text: 'a', sender: 'TWELVE-CHARS' },
      'sender',
      'INVALID_SENDER',
    ],
    [{ channel: 'otp', to: [], text: 'a' }, 'to', 'NO_RECIPIENTS'],
  ])('refuses %p naming %s', (request, field, code) => {
    const attempt = () => planSend(request as unknown as SendRequest, undefined);
    expect(attempt).toThrow(SmsValidationError);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ field, code });
    }
  });

  it('splits into batches of at most the given size, keeping offsets', () => {
    const to = Array.from({ length: 5 }, (_, i) => `90532000000${i}`);
    const batches = splitPlan(planSend({ channel: 'bulk', to, text: 'x' }, undefined), 2);
    expect(batches.map((b) => [b.offset, b.messages.map((m) => m.to)])).toEqual([
      [0, to.slice(0, 2)],
      [2, to.slice(2, 4)],
      [4, to.slice(4)],
    ]);
  });
});

describe('planStatus', () => {
  it('accepts ids and refuses empty or non-string ones', () => {
    expect(planStatus({ channel: 'otp', messageIds: ['C1_A'] })).toEqual({
      channel: 'otp',
      messageIds: ['C1_A'],
    });
    expect(() => planStatus({ channel: 'otp', messageIds: ['C1_A', ''] })).toThrow(
      /messageIds\[1\]/,
    );
    expect(() => planStatus({ channel: 'otp', messageIds: [42 as unknown as string] })).toThrow(
      SmsValidationError,
    );
  });
});

describe('groupByText', () => {
  it('groups identical texts in order of first appearance, splits each group at the size, keeps positions', () => {
    const plan = planSend(
      {
        channel: 'bulk',
        messages: [
          { to: '905320000001', text: 'A' },
          { to: '905320000002', text: 'B' },
          { to: '905320000003', text: 'A' },
          { to: '905320000004', text: 'A' },
        ],
      },
      undefined,
    );
    const batches = groupByText(plan, 2);
    expect(
      batches.map((b) => [b.text, b.positions, b.messages.map((m) => m.to.slice(-1))]),
    ).toEqual([
      ['A', [0, 2], ['1', '3']],
      ['A', [3], ['4']],
      ['B', [1], ['2']],
    ]);
    expect(textFieldOf(batches[2]!)).toBe('messages[1].text');
  });
});
