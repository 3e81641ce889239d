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

/** How deep `safeCause` follows a cause chain. */
const MAX_CAUSE_DEPTH = 4;

/**
 * A copy of a foreign error that is safe to keep as the `cause` of a package error: only its
 * `name`, `message` and `code` (strings, credentials masked), the stack frames of the original
 * (not its message lines), and its own `cause` made safe the same way (a few levels deep).
 * Nothing else is kept: an ioredis `ReplyError` carries the failed command with its arguments
 * (`AUTH <password>`, `HELLO 3 AUTH <user> <password>`), a driver's error its connection
 * options; none of that reaches `util.inspect`, `JSON.stringify` or `String()` of the copy.
 *
 * Package errors (`PostaGuverciniError`) are rebuilt too: their cause may be foreign.
 * Not exported from the package entry point; internal files import it from here.
 */
export function safeCause(error: unknown, depth = 0): Error | undefined {
  if (error === undefined || error === null) return undefined;
  if (depth >= MAX_CAUSE_DEPTH) return undefined;
  const source = (typeof error === 'object' ? error : {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    stack?: unknown;
    cause?: unknown;
  };
  const name = typeof source.name === 'string' && source.name !== '' ? source.name : 'Error';
  const message =
    typeof source.message === 'string'
      ? redactCredentials(source.message)
      : typeof error === 'string'
        ? redactCredentials(error)
        : '';
  const cause = safeCause(source.cause, depth + 1);
  const copy = new SafeCause(name, message, cause === undefined ? undefined : { cause });
  if (typeof source.code === 'string' || typeof source.code === 'number') {
    Object.defineProperty(copy, 'code', {
      value: redactCredentials(String(source.code)),
      enumerable: true,
    });
  }
  const frames =
    typeof source.stack === 'string'
      ? source.stack
          .split('\n')
          .filter((line) => /^\s+at /.test(line))
          .map(redactCredentials)
      : [];
  copy.stack = [`${name}: ${message}`, ...frames].join('\n');
  return copy;
}

/** The error class of `safeCause()` copies: it prints under the original error's name. */
class SafeCause extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'name', { value: name, enumerable: false, configurable: true });
  }

  /** What `JSON.stringify` shows: the same three fields as `util.inspect`. */
  toJSON(): Record<string, unknown> {
    const { code } = this as { code?: unknown };
    return {
      name: this.name,
      message: this.message,
      ...(code === undefined ? {} : { code }),
      ...(this.cause === undefined ? {} : { cause: this.cause }),
    };
  }
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
