import { SmsValidationError } from '../errors/validation.error.js';
import {
  analyzeSmsText,
  assertNoForbiddenCharacter,
  assertSmsText,
  findForbiddenCharacter,
  isGsm7Text,
  transliterateTurkish,
} from './sms-text.js';

describe('analyzeSmsText', () => {
  it('puts 160 GSM-7 characters into one SMS and 161 into two of 153', () => {
    expect(analyzeSmsText('a'.repeat(160))).toEqual({
      encoding: 'gsm7',
      characters: 160,
      units: 160,
      segments: 1,
      perSegment: 160,
    });
    expect(analyzeSmsText('a'.repeat(161))).toEqual({
      encoding: 'gsm7',
      characters: 161,
      units: 161,
      segments: 2,
      perSegment: 153,
    });
    expect(analyzeSmsText('a'.repeat(306)).segments).toBe(2);
    expect(analyzeSmsText('a'.repeat(307)).segments).toBe(3);
    expect(analyzeSmsText('a'.repeat(459)).segments).toBe(3);
    expect(analyzeSmsText('a'.repeat(460)).segments).toBe(4);
  });

  it('counts extension characters as two septets', () => {
    expect(analyzeSmsText('€[]{}\\^~|\f')).toEqual({
      encoding: 'gsm7',
      characters: 10,
      units: 20,
      segments: 1,
      perSegment: 160,
    });
    expect(analyzeSmsText('€'.repeat(80))).toMatchObject({ units: 160, segments: 1 });
    expect(analyzeSmsText('€'.repeat(81))).toMatchObject({
      units: 162,
      segments: 2,
      perSegment: 153,
    });
  });

  it('never splits an escape pair across segments', () => {
    // 152 plain septets then '€' (2): the pair does not fit in segment 1 (153), so it moves.
    const text = `${'a'.repeat(152)}€${'b'.repeat(152)}`;
    expect(analyzeSmsText(text)).toMatchObject({ units: 306, segments: 3 });
    expect(analyzeSmsText(`${'a'.repeat(151)}€${'b'.repeat(153)}`)).toMatchObject({
      units: 306,
      segments: 2,
    });
  });

  it('knows the whole GSM 03.38 default alphabet, including its Greek capitals and Ç Ö ö Ü ü', () => {
    const alphabet =
      '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
    expect(alphabet).toHaveLength(127);
    expect(analyzeSmsText(alphabet)).toEqual({
      encoding: 'gsm7',
      characters: 127,
      units: 127,
      segments: 1,
      perSegment: 160,
    });
  });

  it.each(['ş', 'Ş', 'ğ', 'Ğ', 'ı', 'İ', 'ç', '—', '`', '’', '😀', 'á', 'Ä'.normalize('NFD')])(
    'sends a text containing %j as UCS-2',
    (char) => {
      expect(analyzeSmsText(`abc ${char}`).encoding).toBe('ucs2');
      expect(isGsm7Text(`abc ${char}`)).toBe(false);
    },
  );

  it('uses 70 / 67 UTF-16 units per segment for UCS-2', () => {
    expect(analyzeSmsText('ş'.repeat(70))).toEqual({
      encoding: 'ucs2',
      characters: 70,
      units: 70,
      segments: 1,
      perSegment: 70,
    });
    expect(analyzeSmsText('ş'.repeat(71))).toEqual({
      encoding: 'ucs2',
      characters: 71,
      units: 71,
      segments: 2,
      perSegment: 67,
    });
    expect(analyzeSmsText('ş'.repeat(134)).segments).toBe(2);
    expect(analyzeSmsText('ş'.repeat(135)).segments).toBe(3);
    expect(analyzeSmsText('ş'.repeat(268)).segments).toBe(4);
  });

  it('counts an emoji as one character, two units, and never splits it', () => {
    expect(analyzeSmsText('😀')).toEqual({
      encoding: 'ucs2',
      characters: 1,
      units: 2,
      segments: 1,
      perSegment: 70,
    });
    const text = `${'ş'.repeat(66)}😀${'ş'.repeat(66)}`;
    expect(analyzeSmsText(text)).toMatchObject({ characters: 133, units: 134, segments: 3 });
  });

  it('analyses the round-trip sentence as UCS-2 in one segment', () => {
    const text = 'Şişli\'de ığdır İÇİN çok güzel öğün — 5 < 6 & "tamam"';
    expect(analyzeSmsText(text)).toEqual({
      encoding: 'ucs2',
      characters: 52,
      units: 52,
      segments: 1,
      perSegment: 70,
    });
  });

  it('gives 0 segments for an empty text', () => {
    expect(analyzeSmsText('')).toEqual({
      encoding: 'gsm7',
      characters: 0,
      units: 0,
      segments: 0,
      perSegment: 160,
    });
  });
});

describe('assertSmsText', () => {
  it('returns the analysis of an acceptable text', () => {
    expect(assertSmsText('Kodunuz: 123456')).toEqual({
      encoding: 'gsm7',
      characters: 15,
      units: 15,
      segments: 1,
      perSegment: 160,
    });
    expect(assertSmsText('a'.repeat(480)).segments).toBe(4);
    expect(assertSmsText('ş'.repeat(268)).segments).toBe(4);
  });

  it.each([[''], ['   \n'], [undefined], [42]])('rejects %j as TEXT_EMPTY', (text) => {
    expect(() => assertSmsText(text, { field: 'messages[2].text' })).toThrow(
      expect.objectContaining({
        name: 'SmsValidationError',
        code: 'TEXT_EMPTY',
        field: 'messages[2].text',
      }),
    );
  });

  it('rejects more than 480 GSM-7 characters and says how many and the cap', () => {
    let error: unknown;
    try {
      assertSmsText('a'.repeat(481));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SmsValidationError);
    expect(error).toMatchObject({ code: 'TEXT_TOO_LONG', field: 'text' });
    expect((error as Error).message).toBe(
      'text has 481 characters; Posta Güvercini accepts at most 480 (3 SMS). Shorten it or split it into several messages',
    );
  });

  it('rejects more than 268 UCS-2 characters and suggests transliteration when it would help', () => {
    expect(() => assertSmsText(`${'ş'.repeat(269)}`)).toThrow(
      "text has 269 characters and contains characters outside GSM-7 (e.g. 'ş' U+015F), so it is sent as UCS-2, where Posta Güvercini accepts at most 268 characters (4 SMS). Shorten it, or transliterate the Turkish letters (transliterateTurkish) to send it as GSM-7 with a cap of 480",
    );
    expect(() => assertSmsText(`${'ş'.repeat(268)}😀`)).toThrow(
      "text has 269 characters and contains characters outside GSM-7 (e.g. 'ş' U+015F), so it is sent as UCS-2, where Posta Güvercini accepts at most 268 characters (4 SMS). Shorten it",
    );
    expect(() => assertSmsText(`${'ş'.repeat(268)}😀`)).not.toThrow(/transliterate/);
  });
});

describe('assertSmsText in one pass', () => {
  it('answers as findForbiddenCharacter + analyzeSmsText would, for any mix of characters', () => {
    // GSM-7, extension, Turkish, typographic, controls, C1, DEL, surrogate halves and pairs.
    const alphabet = [
      'a',
      'Z',
      ' ',
      '\n',
      '\r',
      '€',
      '{',
      'ş',
      'İ',
      'Ç',
      '—',
      '\t',
      '\u0000',
      '\u0085',
      '\u007f',
      '\ud83d',
      '\ude00',
      '😀',
      '\uffff',
    ];
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 3000; round++) {
      let text = 'x';
      const length = random(round < 2500 ? 12 : 300);
      for (let i = 0; i < length; i++) text += alphabet[random(alphabet.length)];
      const forbidden = findForbiddenCharacter(text);
      if (forbidden !== undefined) {
        const expected = (() => {
          try {
            assertNoForbiddenCharacter(text, 'messages[1].text');
          } catch (error) {
            return error;
          }
          return undefined;
        })();
        expect(() => assertSmsText(text, { field: 'messages[1].text' })).toThrow(
          (expected as Error).message,
        );
        continue;
      }
      const analysis = analyzeSmsText(text);
      const capped = analysis.characters > (analysis.encoding === 'gsm7' ? 480 : 268);
      if (capped) expect(() => assertSmsText(text)).toThrow(/TEXT_TOO_LONG|characters/);
      else expect(assertSmsText(text)).toEqual(analysis);
    }
  });
});

describe('transliterateTurkish', () => {
  it('replaces only the Turkish letters that are not GSM-7', () => {
    expect(transliterateTurkish('Şişli ığdır İÇİN çok güzel öğün ÖÜ')).toBe(
      'Sisli igdir IÇIN cok güzel ögün ÖÜ',
    );
    expect(transliterateTurkish('şŞğĞıİçâÂîÎûÛ')).toBe('sSgGiIcaAiIuU');
  });

  it('turns a Turkish text into GSM-7 and leaves other characters alone', () => {
    const turkish = 'Doğrulama kodunuz: 482913. Kimseyle paylaşmayınız. İyi günler, ÇÖÜ çöü';
    expect(isGsm7Text(turkish)).toBe(false);
    expect(isGsm7Text(transliterateTurkish(turkish))).toBe(true);
    expect(transliterateTurkish('a — b 😀')).toBe('a — b 😀');
  });
});
