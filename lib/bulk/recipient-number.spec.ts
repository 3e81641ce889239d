import { normalizePhoneNumber } from '../phone/phone-number.js';
import { canonicalOfKey, turkishMobileKeyOf } from './recipient-number.js';

/** What the pipeline's full path answers for `raw` (Turkey only): the canonical form or null. */
function normalised(raw: string): string | null {
  try {
    return normalizePhoneNumber(raw);
  } catch {
    return null;
  }
}

describe('turkishMobileKeyOf (the campaign hot path)', () => {
  const forms = [
    '905321234567',
    '05321234567',
    '5321234567',
    '+905321234567',
    '+90 532 123 45 67',
    '0 (532) 123-45-67',
    '0090 532 123 45 67',
    '00905321234567',
    ' 0532.123.45.67 ',
    '\t5551234567\t',
    '5501234567',
  ];

  it.each(forms)('reads %j to the canonical number normalizePhoneNumber gives', (raw) => {
    const key = turkishMobileKeyOf(raw);
    expect(key).toBeGreaterThanOrEqual(0);
    expect(canonicalOfKey(key, raw)).toBe(normalizePhoneNumber(raw));
  });

  const others = [
    '',
    '5',
    '5621234567', // 56x: outside 50x–55x
    '4321234567',
    '+5321234567',
    '+0905321234567',
    '915321234567',
    '15321234567',
    '905321234567 x',
    '0532 123 45 67 8',
    '+90 532 123 45 67 ++',
    '+44 7911 123456',
    '0532 123 45 67\u00a0',
    '0532            123        45       67',
    '009053212345678',
    '05321234567a',
  ];

  it.each(others)('leaves %j to the full normaliser (-1)', (raw) => {
    expect(turkishMobileKeyOf(raw)).toBe(-1);
  });

  it('agrees with normalizePhoneNumber on every digit/separator string it accepts', () => {
    const alphabet = ['0', '9', '5', '3', '+', ' ', '-', '(', '1'];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 20_000; n++) {
      const length = 8 + Math.floor(random() * 10);
      let raw = '';
      for (let i = 0; i < length; i++) raw += alphabet[Math.floor(random() * alphabet.length)];
      const key = turkishMobileKeyOf(raw);
      if (key >= 0) expect(canonicalOfKey(key, raw)).toBe(normalised(raw));
    }
  });

  it('keys distinct numbers apart and the same number in any form alike', () => {
    expect(turkishMobileKeyOf('05321234567')).toBe(turkishMobileKeyOf('+90 532 123 45 67'));
    expect(turkishMobileKeyOf('05321234567')).not.toBe(turkishMobileKeyOf('05321234568'));
  });
});
