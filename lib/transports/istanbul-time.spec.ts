import {
  formatCompactIstanbul,
  formatIsoIstanbul,
  formatSlashedIstanbul,
  parseIstanbulWallClock,
} from './istanbul-time.js';

describe('Istanbul time', () => {
  const instant = new Date('2026-11-27T21:05:00Z'); // 00:05 next day in Istanbul (UTC+3)

  it('formats in Istanbul wall-clock time whatever the process zone', () => {
    expect(formatCompactIstanbul(instant)).toBe('20261128 00:05');
    expect(formatSlashedIstanbul(instant)).toBe('2026/11/28 00:05');
    expect(formatIsoIstanbul(instant)).toBe('2026-11-28T00:05:00+03:00');
  });

  it('parses back to the same instant', () => {
    expect(parseIstanbulWallClock('20261128 00:05', 'compact')?.toISOString()).toBe(
      instant.toISOString(),
    );
    expect(parseIstanbulWallClock('2026/11/28 00:05', 'slashed')?.toISOString()).toBe(
      instant.toISOString(),
    );
  });

  it.each([
    '2026-11-28 00:05',
    '20261128 0005',
    '20261332 00:05',
    '20260230 10:00',
    '20261128 24:00',
    '',
  ])('rejects %p', (text) => {
    expect(parseIstanbulWallClock(text, 'compact')).toBeUndefined();
  });
});
