/**
 * The provider reads and writes wall-clock times in Turkish local time (Europe/Istanbul) with
 * no zone marker. These helpers format and parse such times whatever the server's own zone.
 */
const ISTANBUL = 'Europe/Istanbul';

const formatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: ISTANBUL,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

export interface IstanbulParts {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
  readonly minute: string;
  readonly second: string;
}

/** Wall-clock parts of an instant in Europe/Istanbul. */
export function istanbulParts(date: Date): IstanbulParts {
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(date)) parts[part.type] = part.value;
  return {
    year: parts['year']!,
    month: parts['month']!,
    day: parts['day']!,
    hour: parts['hour']!,
    minute: parts['minute']!,
    second: parts['second']!,
  };
}

/** `yyyyMMdd HH:mm` in Istanbul time (HTTP `dt`/`dt2`, JSON `SendDate`/`ExpireDate`). */
export function formatCompactIstanbul(date: Date): string {
  const p = istanbulParts(date);
  return `${p.year}${p.month}${p.day} ${p.hour}:${p.minute}`;
}

/** `YYYY/MM/DD HH:MM` in Istanbul time (XML `dt`/`dt2`). */
export function formatSlashedIstanbul(date: Date): string {
  const p = istanbulParts(date);
  return `${p.year}/${p.month}/${p.day} ${p.hour}:${p.minute}`;
}

/** ISO dateTime with the Istanbul offset, e.g. `2026-11-27T19:30:00+03:00` (SOAP `SendDate`). */
export function formatIsoIstanbul(date: Date): string {
  const p = istanbulParts(date);
  const offsetMinutes = istanbulOffsetMinutes(date);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offset}`;
}

/** Minutes east of UTC for Istanbul at that instant (+180 since 2016). */
export function istanbulOffsetMinutes(date: Date): number {
  const p = istanbulParts(date);
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}

/**
 * Parses an Istanbul wall-clock time in `yyyyMMdd HH:mm` or `YYYY/MM/DD HH:MM` form into an
 * instant; `undefined` when the text is not exactly one of those forms or not a real date.
 */
export function parseIstanbulWallClock(
  text: string,
  form: 'compact' | 'slashed',
): Date | undefined {
  const match =
    form === 'compact'
      ? /^(\d{4})(\d{2})(\d{2}) (\d{2}):(\d{2})$/.exec(text)
      : /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return undefined;
  const guess = new Date(Date.UTC(y, mo - 1, d, h, mi));
  if (guess.getUTCDate() !== d) return undefined;
  // Wall clock → instant: subtract the zone offset in force at (about) that time.
  return new Date(guess.getTime() - istanbulOffsetMinutes(guess) * 60_000);
}
