import { SmsValidationError } from '../errors/validation.error.js';
import { maskPhoneNumber, normalizePhoneNumber, toTurkishNationalNumber } from './phone-number.js';

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
