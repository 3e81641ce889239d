/**
 * Recipient lists the package built from numbers it already made canonical (a campaign batch:
 * every number came out of the recipient pipeline's normaliser). A transport's request check
 * (`planSend`) skips the per-number canonical-form test for such a list instead of validating
 * every number a second time. Only the package marks lists, and only arrays it built itself
 * and never changes afterwards; any other list is checked number by number.
 */
const canonicalLists = new WeakSet<readonly string[]>();

/** Marks a list the package built from canonical numbers; returns it. */
export function markCanonical<T extends readonly string[]>(list: T): T {
  canonicalLists.add(list);
  return list;
}

/** Whether `list` was marked by `markCanonical`. */
export function isCanonicalList(list: unknown): boolean {
  return Array.isArray(list) && canonicalLists.has(list);
}
