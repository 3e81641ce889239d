import { randomBytes } from 'node:crypto';
import type { ConfigService } from '@nestjs/config';
import type { AccountOptions, TransportName } from 'nestjs-posta-guvercini';

/**
 * How the sample reaches Posta Güvercini:
 * - `embedded` (default, no credentials): a simulator started in-process on 127.0.0.1; nothing
 *   leaves the machine and the outbox page shows every SMS;
 * - `memory`: `POSTA_GUVERCINI_TRANSPORT=memory`, messages kept in the in-memory outbox;
 * - `provider`: credentials in the environment, the real hosts over HTTPS.
 */
export type SampleMode = 'embedded' | 'memory' | 'provider';

/** The demo customer's number in the development modes (never reaches a real network). */
export const DEMO_PHONE = '+90 532 123 45 67';

/** Default `SIMULATOR_LATENCY_MS`: a 10,000-number campaign then takes about 3 seconds. */
export const DEFAULT_SIMULATOR_LATENCY_MS = 750;

const TRANSPORTS: readonly TransportName[] = ['http', 'xml', 'soap', 'json', 'memory'];

/** The sample's settings, read once from the environment (`.env` through `@nestjs/config`). */
export class SampleSettings {
  constructor(
    readonly mode: SampleMode,
    /** Wire protocol (or `memory`). */
    readonly transport: TransportName,
    /** Real accounts (provider mode only; the embedded simulator brings its own). */
    readonly accounts: { readonly otp?: AccountOptions; readonly bulk?: AccountOptions },
    readonly sender: string | undefined,
    readonly timeoutMs: number | undefined,
    /** HMAC key of the OTP store. Random per start in the development modes. */
    readonly otpSecret: string,
    /** Redis for the OTP store (several instances behind a load balancer); memory when absent. */
    readonly redisUrl: string | undefined,
    /** Prefix of the OTP store's Redis keys. */
    readonly redisKeyPrefix: string,
    /** `/health` warns below this balance. */
    readonly healthCreditThreshold: number,
    /** The demo customer's and card holder's mobile number. */
    readonly customerPhone: string,
    readonly port: number,
    readonly host: string,
    /**
     * Embedded simulator only: how long the bulk host holds back each send answer, so that a
     * campaign of 10,000 numbers (13 requests, 4 at a time) takes a few seconds and the
     * campaign screen shows its progress batch by batch. 0 answers at once.
     */
    readonly simulatorLatencyMs: number = 0,
  ) {}

  /** Whether the outbox page may show messages (never with a real provider). */
  get hasOutbox(): boolean {
    return this.mode !== 'provider';
  }

  /** Whether bulk campaigns can run (provider mode needs the bulk account). */
  get hasBulk(): boolean {
    return this.mode !== 'provider' || this.accounts.bulk !== undefined;
  }

  /** Whether one-time passwords can be sent (provider mode needs the OTP account). */
  get hasOtp(): boolean {
    return this.mode !== 'provider' || this.accounts.otp !== undefined;
  }
}

/** Thrown at start-up for a wrong variable; names it and says what is expected. */
export class SampleConfigError extends Error {
  override readonly name = 'SampleConfigError';
  constructor(variable: string, expected: string) {
    super(`Environment variable ${variable}: ${expected} (see .env.example)`);
  }
}

/** Reads and checks every variable `.env.example` documents. */
export function readSampleSettings(config: ConfigService): SampleSettings {
  const get = (name: string): string | undefined => {
    const value = config.get<string | number | undefined>(name);
    if (value === undefined || value === null) return undefined;
    const text = String(value).trim();
    return text === '' ? undefined : text;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new SampleConfigError(
        name,
        `expected an integer between ${min} and ${max}, got "${raw}"`,
      );
    }
    return value;
  };

  const transport = (get('POSTA_GUVERCINI_TRANSPORT') ?? 'json') as TransportName;
  if (!TRANSPORTS.includes(transport)) {
    throw new SampleConfigError(
      'POSTA_GUVERCINI_TRANSPORT',
      `expected one of ${TRANSPORTS.join(', ')}`,
    );
  }
  const account = (prefix: 'OTP' | 'BULK'): AccountOptions | undefined => {
    const username = get(`POSTA_GUVERCINI_${prefix}_USERNAME`);
    const password = get(`POSTA_GUVERCINI_${prefix}_PASSWORD`);
    const baseUrl = get(`POSTA_GUVERCINI_${prefix}_BASE_URL`);
    if (username === undefined && password === undefined) return undefined;
    if (username === undefined || password === undefined) {
      const missing = username === undefined ? 'USERNAME' : 'PASSWORD';
      throw new SampleConfigError(
        `POSTA_GUVERCINI_${prefix}_${missing}`,
        `required together with POSTA_GUVERCINI_${prefix}_${missing === 'USERNAME' ? 'PASSWORD' : 'USERNAME'}`,
      );
    }
    return { username, password, ...(baseUrl !== undefined ? { baseUrl } : {}) };
  };
  const otp = account('OTP');
  const bulk = account('BULK');
  const hasCredentials = otp !== undefined || bulk !== undefined;
  const mode: SampleMode =
    transport === 'memory' ? 'memory' : hasCredentials ? 'provider' : 'embedded';

  let otpSecret = get('OTP_SECRET');
  if (otpSecret !== undefined && otpSecret.length < 32) {
    throw new SampleConfigError(
      'OTP_SECRET',
      'expected at least 32 characters (e.g. `openssl rand -base64 48`)',
    );
  }
  if (otpSecret === undefined) {
    if (mode === 'provider') {
      throw new SampleConfigError(
        'OTP_SECRET',
        'required with real credentials: at least 32 random characters',
      );
    }
    otpSecret = randomBytes(32).toString('base64url');
  }

  // A made-up number would reach a stranger through a real provider: require the tester's own.
  const customerPhone = get('SAMPLE_CUSTOMER_PHONE');
  if (customerPhone === undefined && mode === 'provider') {
    throw new SampleConfigError(
      'SAMPLE_CUSTOMER_PHONE',
      'required with real credentials: your own mobile number, which receives the demo codes',
    );
  }

  return new SampleSettings(
    mode,
    transport,
    mode === 'provider' ? { ...(otp ? { otp } : {}), ...(bulk ? { bulk } : {}) } : {},
    get('POSTA_GUVERCINI_SENDER'),
    get('POSTA_GUVERCINI_TIMEOUT_MS') === undefined
      ? undefined
      : integer('POSTA_GUVERCINI_TIMEOUT_MS', 10_000, 1, 300_000),
    otpSecret,
    get('REDIS_URL'),
    get('REDIS_KEY_PREFIX') ?? 'posta-guvercini-sample:otp:',
    integer('HEALTH_CREDIT_THRESHOLD', 1_000, 0, Number.MAX_SAFE_INTEGER),
    customerPhone ?? DEMO_PHONE,
    integer('PORT', 3000, 0, 65_535),
    get('HOST') ?? '127.0.0.1',
    integer('SIMULATOR_LATENCY_MS', DEFAULT_SIMULATOR_LATENCY_MS, 0, 60_000),
  );
}
