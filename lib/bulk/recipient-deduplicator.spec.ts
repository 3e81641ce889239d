import { RecipientDeduplicator } from './recipient-deduplicator.js';

describe('RecipientDeduplicator', () => {
  it('accepts a number once and refuses it afterwards', () => {
    const seen = new RecipientDeduplicator();
    expect(seen.add('905321234567')).toBe(true);
    expect(seen.add('905321234567')).toBe(false);
    expect(seen.add('905321234568')).toBe(true);
    expect(seen.has('905321234567')).toBe(true);
    expect(seen.has('905001234567')).toBe(false);
    expect(seen.size).toBe(2);
  });

  it('keeps its first 65,536 numbers in a plain table and moves them to buckets at the next', () => {
    const seen = new RecipientDeduplicator();
    const key = (i: number) => (i * 7_919_993) % 1_000_000_000; // spread over every bucket
    const number = (i: number) => `905${String(key(i)).padStart(9, '0')}`;
    let refused = 0;
    for (let i = 0; i < 65_536; i++) if (!seen.addKey(key(i)) || seen.addKey(key(i))) refused++;
    expect(refused).toBe(0);
    expect(seen.approximateBytes).toBe(512 * 1024); // the table alone, half full
    expect([seen.has(number(0)), seen.has(number(65_535)), seen.has(number(65_536))]).toEqual([
      true,
      true,
      false,
    ]);
    expect(seen.addKey(key(65_536))).toBe(true);
    expect(seen.approximateBytes).toBeGreaterThan(240_000); // bucket heads and their pool
    for (let i = 0; i <= 65_536; i++) if (seen.addKey(key(i)) || !seen.has(number(i))) refused++;
    expect(refused).toBe(0);
    expect(seen.has(number(65_537))).toBe(false);
    expect(seen.size).toBe(65_537);
  });

  it('handles the edges of the national range', () => {
    const seen = new RecipientDeduplicator();
    for (const n of ['905000000000', '905999999999', '905000000001'])
      expect(seen.add(n)).toBe(true);
    for (const n of ['905000000000', '905999999999', '905000000001'])
      expect(seen.add(n)).toBe(false);
  });

  it('keeps non-Turkish numbers apart in a fallback set', () => {
    const seen = new RecipientDeduplicator();
    expect(seen.add('4915123456789')).toBe(true);
    expect(seen.add('4915123456789')).toBe(false);
    expect(seen.add('902121234567')).toBe(true); // not a mobile form: fallback, still exact
    expect(seen.size).toBe(2);
  });

  it('agrees with a Set on 300,000 random numbers, growing the table many times', () => {
    const seen = new RecipientDeduplicator(4);
    const reference = new Set<string>();
    let state = 12345;
    let disagreements = 0;
    for (let i = 0; i < 300_000; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      // Narrow range so that about a quarter of the draws repeat.
      const n = `9053${String(state % 250_000).padStart(8, '0')}`;
      if (seen.add(n) === reference.has(n)) disagreements++;
      reference.add(n);
    }
    expect(disagreements).toBe(0);
    expect(seen.size).toBe(reference.size);
    // A narrow range: a few buckets, all of them bitmaps by the end.
    expect(seen.approximateBytes).toBeLessThanOrEqual(reference.size * 11);
  });

  it('agrees with a Set on numbers spread over the whole range, in ≤ 11 bytes per number', () => {
    // 400,000 draws over all 10^9 keys: about 13 numbers in each of the 30,518 buckets, so every
    // bucket is a small table, grown several times, and the shared pool compacted many times.
    const seen = new RecipientDeduplicator(1);
    const reference = new Set<number>();
    const drawn: number[] = [];
    let state = 777;
    let disagreements = 0;
    for (let i = 0; i < 400_000; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      // Every fifth draw repeats an earlier key.
      const key = i % 5 === 4 ? drawn[state % drawn.length]! : state % 1_000_000_000;
      drawn.push(key);
      if (seen.addKey(key) === reference.has(key)) disagreements++;
      reference.add(key);
    }
    expect(disagreements).toBe(0);
    expect(seen.size).toBe(reference.size);
    const unseen = drawn.filter((key) => !seen.has(`905${String(key).padStart(9, '0')}`));
    expect(unseen).toEqual([]);
    expect(seen.has('905000000000')).toBe(reference.has(0));
    expect(seen.approximateBytes).toBeLessThanOrEqual(reference.size * 11);
  });

  it('answers has() alike from a table and from a bitmap', () => {
    const seen = new RecipientDeduplicator();
    // 65,536 numbers far from buckets 0 and 1 first, so that the rest goes to buckets. Then
    // bucket 0 past 768 numbers (a bitmap); bucket 1 with three (a table).
    for (let i = 0; i < 65_536; i++) seen.addKey(900_000_000 + i * 7);
    for (let key = 0; key < 2_000; key += 2) seen.addKey(key);
    for (const key of [32_768, 32_770, 40_000]) seen.addKey(key);
    const has = (key: number): boolean => seen.has(`905${String(key).padStart(9, '0')}`);
    expect([has(0), has(1), has(1_998), has(1_999), has(2_000)]).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
    expect([has(32_768), has(32_769), has(40_000), has(65_535)]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    // The last bucket's edges.
    expect([seen.addKey(999_999_999), seen.addKey(999_967_232), seen.addKey(999_999_999)]).toEqual([
      true,
      true,
      false,
    ]);
    expect([has(999_999_999), has(999_967_232), has(999_999_998)]).toEqual([true, true, false]);
    expect(seen.size).toBe(65_536 + 1_005);
  });

  it('agrees with a Set on consecutive and evenly spaced numbers (bitmaps and tables)', () => {
    for (const stride of [1, 3, 16, 64, 1000, 1024]) {
      const seen = new RecipientDeduplicator(5);
      const reference = new Set<number>();
      let disagreements = 0;
      // 100,000 distinct keys: past the first 65,536 (the plain table), buckets hold them.
      for (let i = 0; i < 150_000; i++) {
        const key = (i % 100_000) * stride; // the last 50,000 repeat earlier ones
        if (seen.addKey(key) === reference.has(key)) disagreements++;
        reference.add(key);
      }
      expect(disagreements).toBe(0);
      expect(seen.size).toBe(reference.size);
    }
  });
});
