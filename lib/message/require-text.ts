import { SmsValidationError } from '../errors/validation.error.js';

/** A typed error (never a `TypeError`) when a text utility is given something other than a string. */
export function requireText(text: unknown, fn: string): asserts text is string {
  if (typeof text !== 'string') {
    throw new SmsValidationError(
      'INVALID_TEXT',
      `${fn}() expects a string; got ${text === null ? 'null' : typeof text}`,
      'text',
    );
  }
}
