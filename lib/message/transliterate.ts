import { requireText } from './require-text.js';

/**
 * Replacements applied by {@link transliterateTurkish}: only the Turkish letters that are NOT
 * in the GSM-7 default alphabet. `Ç Ö ö Ü ü` are GSM-7 and are kept; `ç` (lower case) is not
 * GSM-7 (only upper-case `Ç` is) and becomes `c`. The circumflex vowels of Turkish spelling
 * (`â î û Â Î Û`) lose the circumflex.
 */
export const TURKISH_TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ş: 's',
  Ş: 'S',
  ğ: 'g',
  Ğ: 'G',
  ı: 'i',
  İ: 'I',
  ç: 'c',
  â: 'a',
  Â: 'A',
  î: 'i',
  Î: 'I',
  û: 'u',
  Û: 'U',
};

const TURKISH_PATTERN = new RegExp(`[${Object.keys(TURKISH_TRANSLITERATIONS).join('')}]`, 'g');

/**
 * Replaces the Turkish letters that force UCS-2 (ş Ş ğ Ğ ı İ ç, and â î û with a circumflex) with
 * their closest GSM-7 letters, so a Turkish text costs GSM-7 rates (160 instead of 70
 * characters per SMS). Everything else is kept as is: a text with other non-GSM-7 characters
 * (emoji, `—`, curly quotes) stays UCS-2. Opt-in only: the result reads less well.
 *
 * `transliterateTurkish('Şişli ığdır İÇİN çok güzel')` → `'Sisli igdir IÇIN cok güzel'`.
 */
export function transliterateTurkish(text: string): string {
  requireText(text, 'transliterateTurkish');
  return text.replace(TURKISH_PATTERN, (char) => TURKISH_TRANSLITERATIONS[char]!);
}
