// The floor of a Redis verify: what any correct one-round-trip verify must do at least. One HMAC
// of the presented code (the same key, input layout and hex digest as OtpHasher.codeHash), then
// one EVALSHA of a minimal script: read the stored hash, consume on a match, count a miss. No
// service, no events, no options, no deadline. The Redis store alone (the same HMAC and one
// RedisOtpStore.attempt) is reported as a ratio of this, like for like, and OtpService's Redis
// verify (the service path) beside it, measured in the same run, on clients counted the same way.
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { OtpHasher } from '../../lib/otp/otp-code.js';
import type { OtpLockoutPolicy } from '../../lib/otp/stores/otp.store.js';
import { ATTEMPT_SCRIPT } from '../../lib/otp/stores/redis-otp.attempt.js';

const FLOOR_LUA = `local h = redis.call('HGET', KEYS[1], 'h')
if not h then return 0 end
if h == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('HINCRBY', KEYS[1], 'a', 1)
return 2
`;

const isOne = (reply: unknown): boolean => reply === 1;

export interface FloorChallenge {
  readonly key: string;
  readonly challengeId: string;
  readonly code: string;
}

export class FloorVerify {
  private readonly key;
  private sha = '';
  /** The digest of an empty binding (OtpHasher computes it once too). */
  private readonly bindingDigest: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    secret: Buffer,
  ) {
    this.key = createSecretKey(secret);
    this.bindingDigest = this.mac('pg-otp/v1/binding\u0000{"s":null,"b":[]}');
  }

  async load(): Promise<void> {
    this.sha = String(await this.redis.script('LOAD', FLOOR_LUA));
  }

  /** `count` challenges written in one pipeline (setup, not measured). */
  async seed(count: number): Promise<FloorChallenge[]> {
    const challenges: FloorChallenge[] = [];
    const pipeline = this.redis.pipeline();
    for (let i = 0; i < count; i++) {
      const challengeId = randomBytes(16).toString('base64url');
      const code = String(100_000 + ((i * 7919) % 900_000));
      const key = `${this.prefix}c:${challengeId}`;
      pipeline.hset(key, 'h', this.codeHash(challengeId, code), 'a', '0');
      pipeline.pexpire(key, 600_000);
      challenges.push({ key, challengeId, code });
    }
    await pipeline.exec();
    return challenges;
  }

  /** One verify: the HMAC and one EVALSHA; `true` for a right code (no async frame of its own). */
  verify(challenge: FloorChallenge): Promise<boolean> {
    const hash = this.codeHash(challenge.challengeId, challenge.code);
    return this.redis.evalsha(this.sha, 1, challenge.key, hash).then(isOne);
  }

  private codeHash(challengeId: string, code: string): string {
    return this.mac(`pg-otp/v1/code\u0000${challengeId}\u0000${code}\u0000${this.bindingDigest}`);
  }

  private mac(input: string): string {
    return createHmac('sha256', this.key).update(input, 'utf8').digest('hex');
  }
}

/**
 * The client's floor: the package's own attempt script (ATTEMPT_SCRIPT, on challenges the
 * package created), sent by raw ioredis with the HMAC and nothing else: the keys and arguments
 * written as one literal, the reply only checked for a right code (no outcome built, no
 * deadline, no promise of its own). It and the Redis store alone wait on the same server work,
 * so the store alone ÷ this is what the store's client code costs; the minimal floor above
 * runs a cheaper script, which changes how replies batch on the socket (see docs/benchmarks.md).
 */
export class ScriptFloorVerify {
  private readonly hasher: OtpHasher;
  private readonly emptyBinding: string;
  private readonly lockoutArg: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    secret: Buffer,
    lockout: OtpLockoutPolicy,
  ) {
    this.hasher = new OtpHasher(secret);
    this.emptyBinding = this.hasher.bindingDigest('{"s":null,"b":[]}');
    this.lockoutArg = `${lockout.maxFailures}:${lockout.windowMs}:${lockout.lockMs}|${prefix}a:`;
  }

  async load(): Promise<void> {
    await this.redis.script('LOAD', ATTEMPT_SCRIPT.lua);
  }

  /** The key of a challenge the store under the same prefix made (setup, not measured). */
  challenge(challengeId: string, code: string): FloorChallenge {
    return { key: `${this.prefix}c:${challengeId}`, challengeId, code };
  }

  /** One verify for purpose 'login': the HMAC and one EVALSHA; `true` for a right code. */
  verify(challenge: FloorChallenge): Promise<boolean> {
    const hash = this.hasher.codeHash(challenge.challengeId, challenge.code, this.emptyBinding);
    return this.redis
      .evalsha(ATTEMPT_SCRIPT.sha, 1, challenge.key, hash, '1login', this.lockoutArg)
      .then(isValid);
  }
}

const isValid = (reply: unknown): boolean =>
  typeof reply === 'string' && reply.charCodeAt(0) === 49;
