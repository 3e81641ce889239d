import { InvalidOptionsError } from '../errors/validation.error.js';
import { normalizePhoneNumber } from '../phone/phone-number.js';
import { OptOutList } from './opt-out-list.js';

/** An opt-out list held in memory; numbers in any common form, normalised once. */
export class StaticOptOutList extends OptOutList {
  private readonly numbers: ReadonlySet<string>;

  /**
   * @param numbers opted-out numbers in any common form (`+90 532 …`, `0532…`, `905…`).
   * @param allowedCountries countries whose numbers are accepted, as for recipients.
   * Throws `SmsValidationError` naming the first entry that is not a phone number.
   */
  constructor(numbers: Iterable<string>, allowedCountries?: readonly string[]) {
    super();
    if (
      numbers === null ||
      typeof numbers !== 'object' ||
      typeof (numbers as Partial<Iterable<string>>)[Symbol.iterator] !== 'function'
    ) {
      throw new InvalidOptionsError(
        'bulk.optOut',
        'expected a list (array or iterable) of phone numbers',
      );
    }
    if (allowedCountries !== undefined && !Array.isArray(allowedCountries)) {
      throw new InvalidOptionsError('allowedCountries', 'expected a list of ISO country codes');
    }
    const set = new Set<string>();
    let index = 0;
    for (const number of numbers) {
      set.add(
        normalizePhoneNumber(number, {
          field: `bulk.optOut[${index++}]`,
          ...(allowedCountries ? { allowedCountries } : {}),
        }),
      );
    }
    this.numbers = set;
  }

  get size(): number {
    return this.numbers.size;
  }

  optedOut(numbers: readonly string[]): string[] {
    return numbers.filter((number) => this.numbers.has(number));
  }
}
