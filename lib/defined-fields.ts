/**
 * The fields of `value` that are not `undefined` (none when `value` itself is `undefined`), so
 * that spreading it over defaults (`{ ...defaults, ...definedFields(given) }`) never replaces a
 * default with an explicit `undefined`. The one helper for this in the package.
 */
export function definedFields<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
