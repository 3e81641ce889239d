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
    // 4 bytes per slot, at most 75 % full, doubling: ≤ 11 bytes per number.
    expect(seen.approximateBytes).toBeLessThanOrEqual(reference.size * 11);
  });

  it('agrees with a Set on consecutive and evenly spaced numbers (one line, lines apart)', () => {
    for (const stride of [1, 3, 16, 64, 1000, 1024]) {
      const seen = new RecipientDeduplicator(5);
      const reference = new Set<number>();
      let disagreements = 0;
      for (let i = 0; i < 60_000; i++) {
        const key = (i % 40_000) * stride; // the last 20,000 repeat earlier ones
        if (seen.addKey(key) === reference.has(key)) disagreements++;
        reference.add(key);
      }
      expect(disagreements).toBe(0);
      expect(seen.size).toBe(reference.size);
    }
  });
});
