/**
 * Remembers which canonical numbers a campaign has already taken, in as little memory as the
 * job allows, so that a stream of millions of recipients is de-duplicated without holding the
 * numbers themselves.
 *
 * Turkish mobiles (`905XXXXXXXXX`, the overwhelming majority) live in an open-addressing hash
 * set of 32-bit integers: the national number minus 5,000,000,000 fits in `[0, 10^9)`, so each
 * number costs one `Uint32Array` slot, kept at most 75 % full — 4 to 11 bytes per unique number
 * (1 M numbers ≈ 8 MB) instead of ~100 bytes for a `Set<string>` entry, no garbage for the
 * collector, and no `Set` size cap (2^24 entries). A bitset over the 10^9 national numbers
 * would cost a flat 125 MB, and sparse pages do not help because real lists spread over the
 * whole range. Slots are grouped in 64-byte lines of 16 consecutive numbers (the line chosen
 * by hashing), so a sorted or clustered list costs about one cache miss per 16 numbers rather
 * than one each. Any other number (when other countries are allowed) goes to a plain
 * `Set<string>`.
 */
export class RecipientDeduplicator {
  private slots: Uint32Array;
  private mask: number;
  private shift: number;
  private used = 0;
  private readonly others = new Set<string>();

  constructor(initialCapacityPower = 12) {
    // At least two lines of LINE slots, so that `shift` stays below 32.
    const power = Math.max(initialCapacityPower, LINE_BITS + 1);
    this.slots = new Uint32Array(1 << power);
    this.mask = this.slots.length - 1;
    this.shift = 32 - (power - LINE_BITS);
  }

  /** How many distinct numbers were seen. */
  get size(): number {
    return this.used + this.others.size;
  }

  /** Bytes held by the structure (the integer table; the fallback set is estimated). */
  get approximateBytes(): number {
    return this.slots.byteLength + this.others.size * 100;
  }

  /** Adds a canonical number; `true` when it was not seen before. */
  add(canonical: string): boolean {
    const key = turkishMobileKey(canonical);
    if (key < 0) {
      if (this.others.has(canonical)) return false;
      this.others.add(canonical);
      return true;
    }
    return this.insert(key + 1);
  }

  /**
   * Adds a Turkish mobile by its key (national number minus 5·10^9, as `turkishMobileKeyOf`
   * gives it); `true` when it was not seen before. The same set as `add()`'s.
   */
  addKey(key: number): boolean {
    return this.insert(key + 1);
  }

  /** Whether a canonical number was seen. */
  has(canonical: string): boolean {
    const key = turkishMobileKey(canonical);
    if (key < 0) return this.others.has(canonical);
    const stored = key + 1;
    for (let i = this.slotOf(stored); ; i = (i + 1) & this.mask) {
      const value = this.slots[i]!;
      if (value === 0) return false;
      if (value === stored) return true;
    }
  }

  private insert(stored: number): boolean {
    for (let i = this.slotOf(stored); ; i = (i + 1) & this.mask) {
      const value = this.slots[i]!;
      if (value === stored) return false;
      if (value === 0) {
        this.slots[i] = stored;
        this.used++;
        if (this.used * 4 > this.slots.length * 3) this.grow();
        return true;
      }
    }
  }

  private slotOf(stored: number): number {
    // A cache line of LINE consecutive numbers, placed by Fibonacci hashing of the rest: numbers
    // close together (sorted or clustered lists) share a line instead of costing a cache miss
    // each, and spread ones are spread as before. Probing goes on linearly past the line.
    const hash = Math.imul(stored >>> LINE_BITS, 0x9e3779b1);
    // Within the line, the low bits turned by the hash bits just below the line's (a permutation
    // of the line's slots, other in each group of LINE numbers), so that numbers a multiple of
    // LINE apart do not all start on the same slot of their line.
    const turn = hash >>> (this.shift - LINE_BITS);
    return ((hash >>> this.shift) << LINE_BITS) | ((stored ^ turn) & (LINE - 1));
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.slots.length - 1;
    this.shift--;
    for (let j = 0; j < old.length; j++) {
      const stored = old[j]!;
      if (stored === 0) continue;
      let i = this.slotOf(stored);
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = stored;
    }
  }
}

/** 16 slots of 4 bytes: one 64-byte cache line. */
const LINE_BITS = 4;
const LINE = 1 << LINE_BITS;

/** `905XXXXXXXXX` → the national number minus 5·10^9 (`0 … 999 999 999`); -1 for anything else. */
function turkishMobileKey(canonical: string): number {
  if (
    canonical.length !== 12 ||
    canonical.charCodeAt(0) !== 57 /* 9 */ ||
    canonical.charCodeAt(1) !== 48 /* 0 */
  ) {
    return -1;
  }
  if (canonical.charCodeAt(2) !== 53 /* 5 */) return -1;
  let key = 0;
  for (let i = 3; i < 12; i++) {
    const digit = canonical.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    key = key * 10 + digit;
  }
  return key;
}
