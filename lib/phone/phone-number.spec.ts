import { SmsValidationError } from '../errors/validation.error.js';
import {
  maskPhoneNumber,
  normalizePhoneNumber,
  normalizeWithParser,
  parserInputOf,
  toTurkishNationalNumber,
} from './phone-number.js';

describe('normalizePhoneNumber', () => {
  it.each([
    '+90 532 123 45 67',
    '05321234567',
    '5321234567',
    '00905321234567',
    '905321234567',
    '0 (532) 123-45-67',
    '+905321234567',
  ])('%s → 905321234567', (input) => {
    expect(normalizePhoneNumber(input)).toBe('905321234567');
  });

  it.each([
    '123',
    '',
    'abc',
    '0212 346 09 44',
    '+90 532 123 45 6',
    '+90 532 123 45 678',
    '5321234567x',
    null,
    undefined,
    {},
  ])('rejects %p with a typed error', (input) => {
    expect(() => normalizePhoneNumber(input)).toThrow(SmsValidationError);
    try {
      normalizePhoneNumber(input);
    } catch (error) {
      expect((error as SmsValidationError).code).toBe('INVALID_PHONE');
    }
  });

  it('refuses a foreign mobile unless its country is allowed', () => {
    expect(() => normalizePhoneNumber('+49 151 23456789')).toThrow(
      expect.objectContaining({ code: 'PHONE_COUNTRY_NOT_ALLOWED' }),
    );
    expect(normalizePhoneNumber('+49 151 23456789', { allowedCountries: ['TR', 'DE'] })).toBe(
      '4915123456789',
    );
  });

  it('does not echo the full number in the error', () => {
    expect(() => normalizePhoneNumber('02123460944', { field: 'to[2]' })).toThrow(
      /^to\[2\] is not a valid mobile number \(021\*+44\)$/,
    );
  });

  it('masks and converts', () => {
    expect(maskPhoneNumber('905321234567')).toBe('+90 532 *** ** 67');
    expect(toTurkishNationalNumber('905321234567')).toBe('5321234567');
  });
});

describe('normalizePhoneNumber on Turkish numbers that are not mobiles (refused without the parser)', () => {
  /** The value, or the typed error's code and message. */
  const result = (run: () => string): unknown => {
    try {
      return run();
    } catch (error) {
      const { code, message } = error as SmsValidationError;
      return { code, message };
    }
  };

  it('refuses as libphonenumber-js does, on every form and every leading digit', () => {
    let state = 4242;
    const random = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % n;
    };
    const forms: Array<(n: string) => string> = [
      (n) => n,
      (n) => `0${n}`,
      (n) => `90${n}`,
      (n) => `+90${n}`,
      (n) => `0090${n}`,
      (n) => `0 (${n.slice(0, 3)}) ${n.slice(3, 6)} ${n.slice(6, 8)} ${n.slice(8)}`,
      (n) => `+90 ${n.slice(0, 3)} ${n.slice(3)}`,
      (n) => `  00 90 ${n.slice(0, 3)}-${n.slice(3)} `,
    ];
    // Area codes, special ranges and every other leading digit (not 0, not 5).
    const heads = ['212', '216', '312', '232', '444', '850', '800', '822', '900', '1', '2', '3'];
    heads.push('4', '6', '7', '8', '9', '90', '905', '99');
    const different: unknown[] = [];
    let refused = 0;
    for (let i = 0; i < 4000; i++) {
      const head = heads[i % heads.length]!;
      const national =
        head + String(random(10 ** (10 - head.length))).padStart(10 - head.length, '0');
      const raw = forms[random(forms.length)]!(national);
      for (const allowed of [['TR'], ['DE']]) {
        const shortcut = result(() =>
          normalizePhoneNumber(raw, { field: 'to[1]', allowedCountries: allowed }),
        );
        const trimmed = raw.trim();
        const parser = result(() =>
          normalizeWithParser(
            trimmed,
            parserInputOf(trimmed, trimmed.replace(/\D/g, '')),
            'to[1]',
            allowed,
          ),
        );
        if (JSON.stringify(shortcut) !== JSON.stringify(parser))
          different.push({ raw, allowed, shortcut, parser });
        else if (typeof shortcut !== 'string') refused++;
      }
    }
    expect(different).toEqual([]);
    expect(refused).toBe(8000);
  });

  it('leaves other forms to the parser (a foreign number, a national part starting with 0 or 5)', () => {
    expect(normalizePhoneNumber('+49 151 23456789', { allowedCountries: ['DE'] })).toBe(
      '4915123456789',
    );
    expect(normalizePhoneNumber('0516 123 45 67')).toBe('905161234567'); // a mobile the parser knows
    expect(() => normalizePhoneNumber('0049 151 23456789')).toThrow(
      expect.objectContaining({ code: 'PHONE_COUNTRY_NOT_ALLOWED' }),
    );
  });
});
