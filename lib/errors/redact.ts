/**
 * Masks the credentials of every URL in `text` (`redis://user:pass@host` →
 * `redis://***@host`), for log lines and error messages built from a driver's error message.
 * Not exported from the package entry point; internal files import it from here.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\/\/[^@\s]*@/g, '//***@');
}

/** `password=…`, `secret: …`, `AUTH user pass` and the like, as they may appear in a driver's message. */
const CREDENTIAL_PAIRS =
  /\b(password|passwd|pwd|pass|secret|token|api[_-]?key|authorization)(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&}]+)/gi;
const AUTH_COMMAND = /\b(AUTH|HELLO\s+\d+\s+AUTH)\s+\S+(\s+\S+)?/gi;

/** `text` with URL credentials and `key=value` credentials masked. */
export function redactCredentials(text: string): string {
  return redactUrlCredentials(text)
    .replace(CREDENTIAL_PAIRS, '$1$2***')
    .replace(AUTH_COMMAND, '$1 ***');
}

/**
 * Masks credentials in a driver's text: URL credentials, `key=value` credentials and `AUTH`
 * arguments (see {@link redactCredentials}), and every occurrence of a known secret (e.g. the configured Redis password), shorter than 4
 * characters excepted (too likely to match ordinary text).
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = redactCredentials(text);
  for (const secret of secrets) {
    if (typeof secret === 'string' && secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * Marks an error whose cause chain is already safe: the package's own errors (set on
 * `PostaGuverciniError.prototype`, whose constructor sanitises the cause) and the copies made
 * by {@link sanitizeCause}.
 */
export const SANITIZED_ERROR: unique symbol = Symbol.for('nestjs-posta-guvercini.sanitized-error');

/** Own properties of a foreign error that {@link sanitizeCause} keeps: diagnostics, never secrets. */
const SAFE_FIELDS = ['code', 'errno', 'syscall', 'address', 'port', 'statusCode'] as const;
const MAX_DEPTH = 8;

/**
 * A version of `cause` that can be kept as an error's `cause` without leaking a credential,
 * whoever prints it (`util.inspect`, `JSON.stringify`, `String()`, a logger):
 * - the package's own errors are kept as they are (their own causes were sanitised when they
 *   were made);
 * - any other `Error` becomes a plain `Error` copy with the same `name`, the message and stack
 *   with URL credentials and the given `secrets` masked, only the diagnostic fields `code`,
 *   `errno`, `syscall`, `address`, `port`, `statusCode` (when primitive), and its own `cause`
 *   (and an `AggregateError`'s `errors`) sanitised in turn. Everything else is dropped — e.g.
 *   ioredis' `ReplyError.command.args`, which hold the password of an `AUTH`/`HELLO`, and
 *   `previousErrors`;
 * - a thrown string, number or boolean becomes its masked text; any other thrown value becomes
 *   an `Error` naming its type (its content may hold anything).
 *
 * `cause` itself is never modified.
 */
export function sanitizeCause(cause: unknown, secrets: readonly string[] = []): unknown {
  return sanitize(cause, secrets, 0);
}

function sanitize(cause: unknown, secrets: readonly string[], depth: number): unknown {
  if (cause === undefined || cause === null) return cause;
  if (typeof cause === 'string') return redactSecrets(cause, secrets);
  if (typeof cause === 'number' || typeof cause === 'boolean' || typeof cause === 'bigint') {
    return cause;
  }
  if (typeof cause !== 'object' && typeof cause !== 'function') return String(typeof cause);
  if ((cause as { [SANITIZED_ERROR]?: unknown })[SANITIZED_ERROR] === true) return cause;
  if (!(cause instanceof Error)) {
    return markSafe(new Error(`a non-Error value (${describeType(cause)}) was thrown`));
  }
  let message: string;
  let name: string;
  let stack: string | undefined;
  try {
    message = redactSecrets(String(cause.message), secrets);
    name = typeof cause.name === 'string' ? cause.name : 'Error';
    stack = typeof cause.stack === 'string' ? redactSecrets(cause.stack, secrets) : undefined;
  } catch {
    return markSafe(new Error('an error that could not be read was thrown'));
  }
  const copy = new SafeCause(message);
  Object.defineProperty(copy, 'name', {
    value: name,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  if (stack !== undefined) {
    Object.defineProperty(copy, 'stack', {
      value: stack,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  const source = cause as unknown as Record<string, unknown>;
  const target = copy as unknown as Record<string, unknown>;
  for (const field of SAFE_FIELDS) {
    const value = safeGet(source, field);
    if (typeof value === 'string') target[field] = redactSecrets(value, secrets);
    else if (typeof value === 'number') target[field] = value;
  }
  if (depth < MAX_DEPTH) {
    const inner = safeGet(source, 'cause');
    if (inner !== undefined && inner !== cause) {
      Object.defineProperty(copy, 'cause', {
        value: sanitize(inner, secrets, depth + 1),
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
    const errors = safeGet(source, 'errors');
    if (Array.isArray(errors)) {
      Object.defineProperty(copy, 'errors', {
        value: errors.slice(0, 20).map((error) => sanitize(error, secrets, depth + 1)),
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  }
  return markSafe(copy);
}

/**
 * The class of {@link sanitizeCause}'s copies: it prints under the original error's name, and
 * `JSON.stringify` shows the same fields as `util.inspect` (name, message, the kept diagnostic
 * fields, the sanitised cause).
 */
class SafeCause extends Error {
  toJSON(): Record<string, unknown> {
    const own = this as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = { name: this.name, message: this.message };
    for (const field of SAFE_FIELDS) if (own[field] !== undefined) out[field] = own[field];
    if (this.cause !== undefined) out['cause'] = this.cause;
    return out;
  }
}

function markSafe(error: Error): Error {
  Object.defineProperty(error, SANITIZED_ERROR, { value: true, enumerable: false });
  return error;
}

function safeGet(source: Record<string, unknown>, key: string): unknown {
  try {
    return source[key];
  } catch {
    return undefined;
  }
}

function describeType(value: object): string {
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'function' ? 'a function' : 'an object';
}

/**
 * A shallow copy of an options object that prints without secrets: `util.inspect` /
 * `console.log` and `JSON.stringify` show only `summary` (both hooks are non-enumerable, so
 * the copy still compares equal to the original). For objects such as the module options,
 * which hold passwords and the OTP secret.
 * Not exported from the package entry point; internal files import it from here.
 */
export function printWithoutSecrets<T extends object>(
  value: T,
  label: string,
  summary: () => Record<string, unknown>,
): T {
  const copy = { ...value };
  Object.defineProperties(copy, {
    [Symbol.for('nodejs.util.inspect.custom')]: {
      value: () => `${label} ${JSON.stringify(summary())}`,
      enumerable: false,
    },
    toJSON: { value: () => summary(), enumerable: false },
  });
  return copy;
}
