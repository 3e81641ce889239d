import { planSend } from '../transports/wire/send-plan.js';
import { isCanonicalList, markCanonical } from './canonical-list.js';

describe('canonical recipient lists', () => {
  it('knows only the lists the package marked', () => {
    const marked = markCanonical(['905321234567']);
    expect(isCanonicalList(marked)).toBe(true);
    expect(isCanonicalList(['905321234567'])).toBe(false);
    expect(isCanonicalList('905321234567')).toBe(false);
  });

  it('a list nobody marked is still checked number by number by the transports', () => {
    expect(() =>
      planSend(
        { channel: 'bulk', text: 'Merhaba', to: ['905321234567', '0532 123 45 67'] },
        undefined,
      ),
    ).toThrow(expect.objectContaining({ code: 'INVALID_PHONE', field: 'to[1]' }));
  });

  it('a marked list reaches the plan as it is', () => {
    const to = markCanonical(['905321234567', '905321234568']);
    const plan = planSend({ channel: 'bulk', text: 'Merhaba', to }, undefined);
    expect(plan.messages.map((m) => m.to)).toEqual(to);
  });
});
