import { isIP } from 'node:net';
import type { OtpRateLimitRule } from './otp.options.js';
import type { OtpHasher } from './otp-code.js';
import type { OtpRateLimitHit } from './stores/otp.store.js';

/**
 * The counters one send hits: each phone rule, and each IP rule when an IP is known. Keys are
 * keyed digests of the number or address (no personal data in store keys), one per window.
 */
export function otpRateLimitHits(
  hasher: OtpHasher,
  phone: string,
  ip: string | undefined,
  phoneRules: readonly OtpRateLimitRule[],
  ipRules: readonly OtpRateLimitRule[],
  /** A purpose with its own `phoneLimits` (`otp.purposes`) counts its sends apart. */
  purpose?: string,
): OtpRateLimitHit[] {
  const hits: OtpRateLimitHit[] = [];
  if (phoneRules.length > 0) {
    const id =
      purpose === undefined
        ? hasher.keyId('phone', phone)
        : hasher.keyId(`phone:${purpose}`, phone);
    for (const rule of phoneRules) hits.push(counter('phone', id, rule));
  }
  const network = ip === undefined ? undefined : clientNetwork(ip);
  if (network !== undefined && ipRules.length > 0) {
    const id = hasher.keyId('ip', network);
    for (const rule of ipRules) hits.push(counter('ip', id, rule));
  }
  return hits;
}

/**
 * The app-wide counters (`otp.globalLimits`) and the named ones (`otp.limitKeys`, each with the
 * value its key function gave for this send; keyed digests, no personal data in store keys).
 */
export function otpBudgetHits(
  hasher: OtpHasher,
  globalRules: readonly OtpRateLimitRule[],
  keyed: ReadonlyArray<{
    readonly name: string;
    readonly value: string;
    readonly limits: readonly OtpRateLimitRule[];
  }>,
): OtpRateLimitHit[] {
  const hits: OtpRateLimitHit[] = globalRules.map((rule) => ({
    scope: 'global',
    cap: 'global',
    key: `global:${rule.windowSeconds}`,
    limit: rule.limit,
    windowMs: rule.windowSeconds * 1000,
  }));
  for (const { name, value, limits } of keyed) {
    const id = hasher.keyId(`limit:${name}`, value);
    for (const rule of limits) {
      hits.push({
        scope: 'key',
        cap: name,
        key: `key:${name}:${id}:${rule.windowSeconds}`,
        limit: rule.limit,
        windowMs: rule.windowSeconds * 1000,
      });
    }
  }
  return hits;
}

function counter(scope: 'phone' | 'ip', id: string, rule: OtpRateLimitRule): OtpRateLimitHit {
  return {
    scope,
    key: `${scope}:${id}:${rule.windowSeconds}`,
    limit: rule.limit,
    windowMs: rule.windowSeconds * 1000,
  };
}

/**
 * What an IP limit counts by: the IPv4 address (IPv4-mapped IPv6 unwrapped), or the /64 of an
 * IPv6 address (one host usually holds a whole /64, so per-address counting would be useless).
 * `undefined` for something that is not an IP address.
 */
export function clientNetwork(ip: string): string | undefined {
  const address = ip
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  switch (isIP(address)) {
    case 4:
      return address;
    case 6:
      return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
    default:
      return undefined;
  }
}

/** The eight hextets of a valid IPv6 address, lower-case, without leading zeros. */
function expandIpv6(address: string): string[] {
  let text = address.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4 style) becomes two hextets.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text =
      text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros =
    tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((h) => (parseInt(h, 16) || 0).toString(16));
}
