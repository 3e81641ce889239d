/**
 * The sample's stand-in for İYS (the Turkish permission register for commercial messages): in
 * this demo, numbers ending in an even digit have given consent. A real app looks the numbers
 * up in İYS or in its own consent records, in batches of up to 800.
 */
export function demoConsentFilter(numbers: readonly string[]): string[] {
  return numbers.filter((number) => Number(number.at(-1)) % 2 === 0);
}

/** The demo opt-out list (numbers that asked for no bulk messages): skipped, never sent. */
export const DEMO_OPT_OUT = ['+90 532 999 99 99'];

/** What the campaign page tells the operator about the demo rules. */
export const DEMO_RULES = {
  consent:
    'Demo İYS register: numbers ending in an even digit have consented to commercial messages.',
  optOut: DEMO_OPT_OUT,
};
