import {
  type KeyObject,
  createHmac,
  createSecretKey,
  randomBytes,
  randomInt,
  timingSafeEqual,
} from 'node:crypto';

/** Values a challenge is bound to (PSD2 dynamic linking), e.g. amount, currency and payee. */
export type OtpBinding = Readonly<Record<string, string | number>>;

/** A uniformly random code of `length` decimal digits (leading zeros kept), from the CSPRNG. */
export function generateOtpCode(length: number): string {
  let code = '';
  // randomInt is unbiased; 6 digits at a time stays well inside its 2^48 range.
  while (code.length < length) {
    const digits = Math.min(6, length - code.length);
    code += String(randomInt(0, 10 ** digits)).padStart(digits, '0');
  }
  return code;
}

/** A new challenge id: 128 random bits, base64url (22 characters). */
export function generateChallengeId(): string {
  return randomBytes(16).toString('base64url');
}

/** The canonical binding of no subject and no values. */
const EMPTY_BINDING = JSON.stringify({ s: null, b: [] });

/**
 * The stable serialisation of what a code is bound to besides its challenge: the subject and
 * the bound values, keys sorted, everything as NFC-normalised strings. `undefined`/`null`
 * values are left out, so `{ a: '1', b: undefined }` and `{ a: '1' }` are the same binding.
 * The purpose is matched separately (see `OtpStore.attempt`).
 */
export function canonicalOtpBinding(subject: unknown, bind: unknown): string {
  // No subject and no values (a plain login): the same string every time.
  if ((subject === undefined || subject === null) && (bind === undefined || bind === null))
    return EMPTY_BINDING;
  const entries: Array<[string, string]> = [];
  if (bind !== undefined && bind !== null && typeof bind === 'object') {
    for (const key of Object.keys(bind).sort()) {
      const value = (bind as Record<string, unknown>)[key];
      if (value === undefined || value === null) continue;
      entries.push([key.normalize('NFC'), canonicalValue(value)]);
    }
  }
  const s = subject === undefined || subject === null ? null : canonicalValue(subject);
  return JSON.stringify({ s, b: entries });
}

function canonicalValue(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
        ? String(value)
        : (JSON.stringify(value) ?? '');
  return text.normalize('NFC');
}

/**
 * HMAC-SHA256 keyed by `otp.secret`: what the store keeps instead of a code, and the keys of
 * the rate-limit counters (so no phone number appears in a store key).
 */
export class OtpHasher {
  private readonly key: KeyObject;
  private emptyBindingDigest: string | undefined;

  constructor(secret: Buffer) {
    this.key = createSecretKey(secret);
  }

  /** Digest of a canonical binding (stored with the challenge, so a resent code gets the same binding). */
  bindingDigest(canonicalBinding: string): string {
    // No subject and no values is the common case (plain login): computed once.
    if (canonicalBinding === EMPTY_BINDING)
      return (this.emptyBindingDigest ??= this.mac(`pg-otp/v1/binding\u0000${EMPTY_BINDING}`));
    return this.mac(`pg-otp/v1/binding\u0000${canonicalBinding}`);
  }

  /** HMAC(secret, challenge id ‖ code ‖ binding digest), hex. The only form a code is stored in. */
  codeHash(challengeId: string, code: string, bindingDigest: string): string {
    return this.mac(`pg-otp/v1/code\u0000${challengeId}\u0000${code}\u0000${bindingDigest}`);
  }

  /** A short keyed digest of an identifier (phone, IP) for store keys. */
  keyId(scope: string, value: string): string {
    return this.mac(`pg-otp/v1/key\u0000${scope}\u0000${value}`).slice(0, 32);
  }

  private mac(input: string): string {
    return createHmac('sha256', this.key).update(input, 'utf8').digest('hex');
  }
}

/** Constant-time comparison of two hex digests of the same algorithm. */
export function otpHashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  // Lengths are public (always 32 bytes for SHA-256); comparing them first leaks nothing.
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
