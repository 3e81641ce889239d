/**
 * İYS/ETK consent check for commercial campaigns (Turkish law 6563 and its regulation: a
 * commercial electronic message needs the recipient's approval, recorded in İYS). Extend this
 * class to look numbers up in İYS or in your own consent store; `BulkSmsService` calls
 * `allowed()` once per batch of at most 800 canonical numbers (`905XXXXXXXXX`) and sends the
 * commercial text only to the numbers it returns. Numbers not returned are reported
 * `skipped` with `reason: 'no_consent'`. If it throws, the batch is not sent and its
 * recipients are reported `failed` with `reason: 'filter_failed'` (fail closed).
 *
 * ```ts
 * @Injectable()
 * class IysConsentFilter extends ConsentFilter {
 *   async allowed(numbers: readonly string[]) {
 *     return this.iys.approved(numbers); // Set or array of the allowed numbers
 *   }
 * }
 * ```
 */
export abstract class ConsentFilter {
  abstract allowed(numbers: readonly string[]): Promise<Iterable<string>> | Iterable<string>;
}

/** Function form of `ConsentFilter`: returns the numbers allowed to receive commercial messages. */
export type ConsentFilterFunction = (
  numbers: string[],
) => Promise<Set<string> | string[]> | Set<string> | string[];
