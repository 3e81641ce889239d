import { InvalidOptionsError } from './errors/validation.error.js';
import { MAX_SENDER_LENGTH, MAX_TIMEOUT_MS, TRANSPORT_NAMES } from './posta-guvercini.constants.js';
import type {
  PostaGuverciniModuleOptions,
  ValidatedModuleOptions,
} from './posta-guvercini.options.js';
import { isSmsTransport } from './transports/is-sms-transport.js';

/**
 * Every top-level option, so a misspelt one (`allowInsecureHtp`) stops the app instead of
 * being ignored. Typed against the options interface: adding an option there without adding
 * it here fails to compile.
 */
const KNOWN_OPTIONS: Record<keyof PostaGuverciniModuleOptions, true> = {
  transport: true,
  accounts: true,
  allowInsecureHttp: true,
  timeoutMs: true,
  sender: true,
  proxy: true,
  tls: true,
  httpClient: true,
  otp: true,
  bulk: true,
};
/** Extras that some Nest versions leave in the options object (nestjs/nest #10307). */
const TOLERATED_EXTRAS = new Set(['isGlobal']);

const quoted = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(', ');

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'number') return String(value);
  return `a value of type ${typeof value}`;
}

/**
 * Validates the module-level options once at start-up, before anything connects. Feature
 * options (`transport` and the accounts, `otp`, `bulk`) are checked for shape here and in
 * detail by their resolvers (`resolveTransportOptions`, `resolveOtpOptions`,
 * `resolveBulkOptions`, `resolveHealthOptions`), each run once by its factory provider.
 *
 * @throws InvalidOptionsError naming the option and what is allowed; the message never
 *   contains a password or a credential-bearing URL.
 */
export function validateModuleOptions(
  options: PostaGuverciniModuleOptions,
): ValidatedModuleOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionsError(
      'options',
      `expected an object such as { transport: 'json', accounts: { otp: { username, password } } }, got ${describeValue(options)}`,
    );
  }

  for (const key of Object.keys(options)) {
    if (!(key in KNOWN_OPTIONS) && !TOLERATED_EXTRAS.has(key)) {
      throw new InvalidOptionsError(
        key,
        `unknown option; the options are ${quoted(Object.keys(KNOWN_OPTIONS))} (and isGlobal beside them)`,
      );
    }
  }

  const { transport = 'json', timeoutMs, sender, allowInsecureHttp } = options;

  if (typeof transport === 'string') {
    if (!(TRANSPORT_NAMES as readonly string[]).includes(transport)) {
      throw new InvalidOptionsError(
        'transport',
        `"${transport}" is not a transport; expected one of ${quoted(TRANSPORT_NAMES)} or an instance of a class extending SmsTransport`,
      );
    }
  } else if (!isSmsTransport(transport)) {
    throw new InvalidOptionsError(
      'transport',
      `expected one of ${quoted(TRANSPORT_NAMES)} or an instance of a class extending SmsTransport, got ${describeValue(transport)}`,
    );
  }

  if (allowInsecureHttp !== undefined && typeof allowInsecureHttp !== 'boolean') {
    throw new InvalidOptionsError(
      'allowInsecureHttp',
      `expected true or false, got ${describeValue(allowInsecureHttp)}`,
    );
  }

  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' ||
      !Number.isInteger(timeoutMs) ||
      timeoutMs < 1 ||
      timeoutMs > MAX_TIMEOUT_MS)
  ) {
    throw new InvalidOptionsError(
      'timeoutMs',
      `expected a positive integer number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got ${describeValue(timeoutMs)}`,
    );
  }

  if (
    sender !== undefined &&
    (typeof sender !== 'string' || sender.trim().length < 1 || sender.length > MAX_SENDER_LENGTH)
  ) {
    throw new InvalidOptionsError(
      'sender',
      `expected the originator as a string of 1 to ${MAX_SENDER_LENGTH} characters, got ${describeValue(sender)}`,
    );
  }

  for (const feature of ['otp', 'bulk'] as const) {
    const value: unknown = options[feature];
    if (
      value !== undefined &&
      (value === null || typeof value !== 'object' || Array.isArray(value))
    ) {
      throw new InvalidOptionsError(feature, `expected an object, got ${describeValue(value)}`);
    }
  }

  return options;
}
