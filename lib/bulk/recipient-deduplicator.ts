/**
 * Remembers which canonical numbers a campaign has already taken, in as little memory as the
 * job allows, so that a stream of millions of recipients is de-duplicated without holding the
 * numbers themselves.
 *
 * Turkish mobiles (`905XXXXXXXXX`, the overwhelming majority) are keyed by their national number
 * minus 5,000,000,000, which fits in `[0, 10^9)`. The key range is cut into buckets of 32,768
 * numbers. A bucket holds its numbers as 16-bit offsets: in a small open-addressing table while
 * it is sparse (2 to 1,024 slots, at most 75 % full), and as a 4 KB bitmap once it has more
 * than 768 numbers, where the table would grow to 2,048 slots: the bitmap's size. Every table
 * and bitmap is a segment of one shared `Uint16Array` pool, so a sparse bucket costs a few
 * bytes, not a typed array of its own; segments left behind when a table grows are reclaimed
 * when the pool is compacted, which is also when it grows.
 *
 * So a live number costs 2.7 to 5.3 bytes of table, or down to one bit in a bitmap; with the
 * pool's free room (it holds at most twice what is live) that is at most about 11 bytes, plus a
 * fixed 240 KB of bucket heads. Measured on 1 M numbers: 7.9 bytes each spread over the 50x–55x
 * ranges (the former single hash table: 8.4), 5.5 spread over all 10^9 keys, 0.4 for
 * consecutive ones. There is no garbage for the collector and no `Set` size cap (2^24
 * entries). An insert touches the bucket's head and one short run of slots, or one bit. For
 * 1 M numbers, including the first 65,536 in the plain table below and their move: 20 ns each
 * on a sorted list and 85–95 spread over the mobile ranges, against 80 and 105–110 for the
 * former single hash table (each in a process of its own). A flat bitset over the 10^9 keys
 * would cost 125 MB. Any other number (when other countries are allowed) goes to a plain
 * `Set<string>`.
 *
 * Buckets pay off only for large lists: their heads alone are 240 KB to allocate and to scan
 * at each compaction. So the first 65,536 keys sit in a plain open-addressing table of 32-bit
 * keys, at most half full (8–16 bytes a key, at most 512 KB), and move to buckets at the next
 * new key: a campaign of up to 65,536 numbers never makes buckets.
 */
export class RecipientDeduplicator {
  /**
   * The first SMALL_MAX keys in a plain open-addressing table (key + 1, 0 empty), at most half
   * full (see the class comment); `null` once the keys moved to buckets.
   */
  private small: Int32Array | null = new Int32Array(1 << SMALL_INITIAL_LOG);
  private smallShift = 32 - SMALL_INITIAL_LOG;
  private pool: Uint16Array;
  /** Next free word of `pool`. */
  private top = 0;
  /** Words of `pool` below `top` that belong to no bucket any more. */
  private wasted = 0;
  /**
   * Two words per bucket, side by side so that one cache line holds both: the segment's first
   * word << 4 | its size's log2 (0: empty, 11: bitmap), and how many numbers its table holds.
   * Methods call a bucket by `at`, the index of its first word here.
   */
  private heads = new Int32Array(0);
  private readonly initialWords: number;
  private used = 0;
  private readonly others = new Set<string>();

  /**
   * `initialWordsPower`: log2 of the pool's least first size in 16-bit words (made past SMALL_MAX keys),
   * 1 to 24; the pool grows from there as needed.
   */
  constructor(initialWordsPower = 12) {
    this.initialWords = 1 << Math.min(Math.max(Math.trunc(initialWordsPower) || 1, 1), 24);
    this.pool = new Uint16Array(0);
  }

  /** How many distinct numbers were seen. */
  get size(): number {
    return this.used + this.others.size;
  }

  /** Bytes held by the structure (the pool and bucket heads; the fallback set is estimated). */
  get approximateBytes(): number {
    const keys = this.small?.byteLength ?? this.pool.byteLength + this.heads.byteLength;
    return keys + this.others.size * 100;
  }

  /** Adds a canonical number; `true` when it was not seen before. */
  add(canonical: string): boolean {
    const key = turkishMobileKey(canonical);
    if (key < 0) {
      if (this.others.has(canonical)) return false;
      this.others.add(canonical);
      return true;
    }
    return this.addKey(key);
  }

  /**
   * Adds a Turkish mobile by its key (national number minus 5·10^9, as `turkishMobileKeyOf`
   * gives it); `true` when it was not seen before. The same set as `add()`'s.
   */
  addKey(key: number): boolean {
    if (this.small !== null) return this.addSmall(this.small, key);
    const at = (key >>> BUCKET_BITS) << 1;
    const head = this.heads[at]!;
    const log = head & 15;
    if (log === BITMAP_LOG) {
      const word = (head >>> 4) + ((key & OFFSET_MASK) >>> 4);
      const bit = 1 << (key & 15);
      const bits = this.pool[word]!;
      if ((bits & bit) !== 0) return false;
      this.pool[word] = bits | bit;
      this.used++;
      return true;
    }
    const stored = (key & OFFSET_MASK) + 1;
    if (log === 0) return this.start(at, stored);
    const slot = tableSlot(this.pool, head >>> 4, log, stored);
    if (slot < 0) return false;
    this.pool[slot] = stored;
    this.used++;
    const count = this.heads[at + 1]! + 1;
    this.heads[at + 1] = count;
    if (count * 4 > (1 << log) * 3) this.grow(at);
    return true;
  }

  /** Whether a canonical number was seen. */
  has(canonical: string): boolean {
    const key = turkishMobileKey(canonical);
    if (key < 0) return this.others.has(canonical);
    if (this.small !== null) return this.smallSlot(this.small, key + 1) < 0;
    const head = this.heads[(key >>> BUCKET_BITS) << 1]!;
    const log = head & 15;
    const offset = key & OFFSET_MASK;
    if (log === 0) return false;
    if (log === BITMAP_LOG)
      return (this.pool[(head >>> 4) + (offset >>> 4)]! & (1 << (offset & 15))) !== 0;
    return tableSlot(this.pool, head >>> 4, log, offset + 1) < 0;
  }

  /** `addKey` while the keys are few; a new key past SMALL_MAX moves them all to buckets. */
  private addSmall(small: Int32Array, key: number): boolean {
    const slot = this.smallSlot(small, key + 1);
    if (slot < 0) return false;
    if (this.used === SMALL_MAX) {
      this.toBuckets(small);
      return this.addKey(key);
    }
    small[slot] = key + 1;
    this.used++;
    if (this.used * 2 > small.length) this.growSmall(small);
    return true;
  }

  /** The empty slot for `stored` in the small table, or -1 when it is there. */
  private smallSlot(small: Int32Array, stored: number): number {
    const mask = small.length - 1;
    for (let i = Math.imul(stored, 0x9e3779b1) >>> this.smallShift; ; i = (i + 1) & mask) {
      const value = small[i]!;
      if (value === stored) return -1;
      if (value === 0) return i;
    }
  }

  private growSmall(old: Int32Array): void {
    const small = new Int32Array(old.length * 2);
    this.smallShift--;
    for (const stored of old) if (stored !== 0) small[this.smallSlot(small, stored)] = stored;
    this.small = small;
  }

  /** The small table's keys into buckets, in a pool sized for them. */
  private toBuckets(small: Int32Array): void {
    this.small = null;
    this.heads = new Int32Array(2 * BUCKETS);
    // About two words per key while buckets are sparse: room for twice that before compaction.
    this.pool = new Uint16Array(Math.max(this.initialWords, 4 * this.used));
    this.used = 0;
    for (const stored of small) if (stored !== 0) this.addKey(stored - 1);
  }

  /** A bucket's first number: a table of two slots. */
  private start(at: number, stored: number): boolean {
    const base = this.allocate(2);
    this.pool[base + slotOf(stored, 1)] = stored;
    this.heads[at] = (base << 4) | 1;
    this.heads[at + 1] = 1;
    this.used++;
    return true;
  }

  /** A full table moves to one twice its size, or to a bitmap past MAX_TABLE_LOG. */
  private grow(at: number): void {
    const log = (this.heads[at]! & 15) + 1;
    const fresh = this.allocate(1 << log); // may compact the pool: read the head after it
    const head = this.heads[at]!;
    const old = head >>> 4;
    const size = 1 << (head & 15);
    const pool = this.pool;
    if (log === BITMAP_LOG) {
      for (let j = old; j < old + size; j++) {
        const stored = pool[j]!;
        if (stored === 0) continue;
        const offset = stored - 1;
        const word = fresh + (offset >>> 4);
        pool[word] = pool[word]! | (1 << (offset & 15));
      }
    } else {
      for (let j = old; j < old + size; j++) {
        const stored = pool[j]!;
        if (stored !== 0) pool[tableSlot(pool, fresh, log, stored)] = stored;
      }
    }
    this.heads[at] = (fresh << 4) | log;
    this.wasted += size;
  }

  /** `size` zeroed words at the top of the pool; the pool is compacted (and grown) first if full. */
  private allocate(size: number): number {
    if (this.top + size > this.pool.length) this.compact(size);
    const base = this.top;
    this.top += size;
    return base;
  }

  /**
   * Copies every live segment, in bucket order, into a pool of twice the live words (and the
   * one asked for), dropping the wasted ones. The pool never holds more than twice what is live.
   */
  private compact(need: number): void {
    const live = this.top - this.wasted;
    const next = new Uint16Array(Math.max(this.pool.length, 2 * (live + need)));
    const pool = this.pool;
    let top = 0;
    for (let at = 0; at < 2 * BUCKETS; at += 2) {
      const head = this.heads[at]!;
      if (head === 0) continue;
      const base = head >>> 4;
      const size = 1 << (head & 15);
      this.heads[at] = (top << 4) | (head & 15);
      // A loop, not `set(subarray)`: most segments are a few words, where a view per segment
      // costs more than the copy.
      for (let j = base; j < base + size; j++) next[top++] = pool[j]!;
    }
    this.pool = next;
    this.top = top;
    this.wasted = 0;
  }
}

/** Keys held in the small table before buckets are made (its largest size: 512 KB). */
const SMALL_MAX = 1 << 16;
/** The small table's first size: 2,048 slots (8 KB). */
const SMALL_INITIAL_LOG = 11;
/** 32,768 numbers per bucket, so that an offset plus one fits in 16 bits. */
const BUCKET_BITS = 15;
const OFFSET_MASK = (1 << BUCKET_BITS) - 1;
const BUCKETS = Math.ceil(1e9 / (1 << BUCKET_BITS));
/** A bitmap of 32,768 bits is 2,048 words: the size of the next table after 1,024 slots. */
const BITMAP_LOG = 11;

/** Fibonacci hashing of an offset to a slot of a table of 2^log slots. */
function slotOf(stored: number, log: number): number {
  return Math.imul(stored, 0x9e3779b1) >>> (32 - log);
}

/**
 * In a bucket's table of 2^log slots at `base` of `pool`: the empty word where `stored` goes,
 * or -1 when it is there (linear probing from its Fibonacci slot).
 */
function tableSlot(pool: Uint16Array, base: number, log: number, stored: number): number {
  const mask = (1 << log) - 1;
  for (let i = slotOf(stored, log); ; i = (i + 1) & mask) {
    const value = pool[base + i]!;
    if (value === stored) return -1;
    if (value === 0) return base + i;
  }
}

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
