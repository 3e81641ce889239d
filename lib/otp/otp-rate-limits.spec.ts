import { randomBytes } from 'node:crypto';
import { OtpHasher } from './otp-code.js';
import { clientNetwork, otpRateLimitHits } from './otp-rate-limits.js';

describe('clientNetwork', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:0:0:9', '2001:db8:1:2::/64'],
    ['[2001:db8::1]', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s → %s', (ip, network) => {
    expect(clientNetwork(ip)).toBe(network);
  });

  it('ignores what is not an IP address', () => {
    expect(clientNetwork('unknown')).toBeUndefined();
    expect(clientNetwork('')).toBeUndefined();
  });
});

describe('otpRateLimitHits', () => {
  const hasher = new OtpHasher(randomBytes(32));
  const phoneRules = [
    { limit: 5, windowSeconds: 600 },
    { limit: 20, windowSeconds: 86_400 },
  ];

  it('makes one counter per rule, with no phone number or IP in the keys', () => {
    const hits = otpRateLimitHits(hasher, '905321234567', '203.0.113.7', phoneRules, [
      { limit: 20, windowSeconds: 600 },
    ]);
    expect(hits.map(({ scope, limit, windowMs }) => [scope, limit, windowMs])).toEqual([
      ['phone', 5, 600_000],
      ['phone', 20, 86_400_000],
      ['ip', 20, 600_000],
    ]);
    expect(new Set(hits.map((h) => h.key)).size).toBe(3);
    for (const { key } of hits) {
      expect(key).not.toContain('5321234567');
      expect(key).not.toContain('203.0.113');
    }
  });

  it('skips IP counters without an IP', () => {
    expect(
      otpRateLimitHits(hasher, '905321234567', undefined, phoneRules, [
        { limit: 1, windowSeconds: 1 },
      ]),
    ).toHaveLength(2);
  });
});
