import { randomBytes } from 'node:crypto';
import {
  OtpHasher,
  canonicalOtpBinding,
  generateChallengeId,
  generateOtpCode,
  otpHashesEqual,
} from './otp-code.js';

describe('generateOtpCode', () => {
  it.each([4, 6, 7, 10])('makes %i decimal digits, leading zeros kept', (length) => {
    for (let i = 0; i < 200; i++)
      expect(generateOtpCode(length)).toMatch(new RegExp(`^\\d{${length}}$`));
  });

  it('uses every digit in every position (no fixed or biased positions)', () => {
    const seen = Array.from({ length: 6 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) {
      generateOtpCode(6)
        .split('')
        .forEach((digit, position) => seen[position]!.add(digit));
    }
    expect(seen.map((digits) => digits.size)).toEqual([10, 10, 10, 10, 10, 10]);
  });
});

describe('generateChallengeId', () => {
  it('is 128 random bits in base64url', () => {
    const ids = new Set(Array.from({ length: 1000 }, generateChallengeId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('canonicalOtpBinding', () => {
  it('ignores key order, missing values and Unicode normal form', () => {
    const a = canonicalOtpBinding('u1', { amount: '149.90', currency: 'TRY', payee: 'ACME A.Ş.' });
    const b = canonicalOtpBinding('u1', {
      payee: 'ACME A.S\u0327.',
      note: undefined,
      currency: 'TRY',
      amount: '149.90',
    });
    expect(a).toBe(b);
  });

  it('tells apart what differs: values, subject, no subject, numbers written differently', () => {
    const base = canonicalOtpBinding('u1', { amount: '149.90' });
    expect(canonicalOtpBinding('u1', { amount: '149.9' })).not.toBe(base);
    expect(canonicalOtpBinding('u2', { amount: '149.90' })).not.toBe(base);
    expect(canonicalOtpBinding(undefined, { amount: '149.90' })).not.toBe(base);
    expect(canonicalOtpBinding('u1', { amount: '149.90', extra: 'x' })).not.toBe(base);
    // Values cannot bleed into keys or each other.
    expect(canonicalOtpBinding(undefined, { a: 'b', c: 'd' })).not.toBe(
      canonicalOtpBinding(undefined, { a: 'b","c":"d' }),
    );
  });

  it('treats a number and its string form as the same value, and subject 42 as "42"', () => {
    expect(canonicalOtpBinding(42, { amount: 100 })).toBe(
      canonicalOtpBinding('42', { amount: '100' }),
    );
  });
});

describe('OtpHasher', () => {
  const hasher = new OtpHasher(randomBytes(32));
  const digest = hasher.bindingDigest(canonicalOtpBinding(undefined, undefined));

  it('hashes challenge id, code and binding together; any change changes the hash', () => {
    const hash = hasher.codeHash('challenge-1', '123456', digest);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hasher.codeHash('challenge-1', '123456', digest)).toBe(hash);
    expect(hasher.codeHash('challenge-2', '123456', digest)).not.toBe(hash);
    expect(hasher.codeHash('challenge-1', '123457', digest)).not.toBe(hash);
    const bound = hasher.bindingDigest(canonicalOtpBinding(undefined, { amount: '1' }));
    expect(hasher.codeHash('challenge-1', '123456', bound)).not.toBe(hash);
    expect(new OtpHasher(randomBytes(32)).codeHash('challenge-1', '123456', digest)).not.toBe(hash);
  });

  it('never contains the code', () => {
    expect(hasher.codeHash('x', '000000', digest)).not.toContain('000000');
  });

  it('derives short store-key ids per scope', () => {
    expect(hasher.keyId('phone', '905321234567')).toMatch(/^[0-9a-f]{32}$/);
    expect(hasher.keyId('phone', '905321234567')).not.toBe(hasher.keyId('ip', '905321234567'));
  });
});

describe('otpHashesEqual', () => {
  it('compares digests', () => {
    const a = 'ab'.repeat(32);
    expect(otpHashesEqual(a, a)).toBe(true);
    expect(otpHashesEqual(a, 'ac'.repeat(32))).toBe(false);
    expect(otpHashesEqual(a, 'ab'.repeat(31))).toBe(false);
    expect(otpHashesEqual('', '')).toBe(false);
  });
});
