import { InvalidOptionsError } from './validation.error.js';

/**
 * Start-up checks shared by the module, OTP, bulk and transport option resolvers. Each throws
 * `InvalidOptionsError` naming the option and what is allowed; none echoes the value given.
 */

/** `value` as an integer in [min, max], or `fallback` when it is undefined. */
export function checkIntegerOption(
  value: unknown,
  option: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionsError(option, `expected an integer from ${min} to ${max}`);
  }
  return value;
}

/** Refuses keys of `value` that `known` does not list (a misspelt option must not be ignored). */
export function rejectUnknownOptions(
  value: object,
  known: Readonly<Record<string, true>>,
  path: string,
): void {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(known, key)) {
      throw new InvalidOptionsError(
        `${path}.${key}`,
        `unknown option; the options are ${Object.keys(known)
          .map((name) => `'${name}'`)
          .join(', ')}`,
      );
    }
  }
}
