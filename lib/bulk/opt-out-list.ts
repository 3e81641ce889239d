/**
 * Numbers that asked not to get bulk messages (opt-out, blacklist, right to refuse). Extend
 * this class to consult your own store; `BulkSmsService` calls `optedOut()` once per batch of
 * at most 800 canonical numbers (`905XXXXXXXXX`) and skips the numbers it returns
 * (`reason: 'opted_out'`). If it throws, the batch is not sent and its recipients are reported
 * `failed` with `reason: 'filter_failed'` (fail closed). A plain list of numbers in the module
 * option `bulk.optOut` is wrapped in a `StaticOptOutList`.
 */
export abstract class OptOutList {
  abstract optedOut(numbers: readonly string[]): Promise<Iterable<string>> | Iterable<string>;
}

/** Function form of `OptOutList`: returns the numbers that opted out. */
export type OptOutFunction = (
  numbers: string[],
) => Promise<Set<string> | string[]> | Set<string> | string[];
