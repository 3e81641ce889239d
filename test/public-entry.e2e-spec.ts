/**
 * The public entry a user reads: `nestjs-posta-guvercini` exports about a hundred names, none of
 * them internals (low-level codec functions, unit constants, namespaces, metadata keys, raw
 * option tokens) or twins of another export, and every export carries TSDoc. Read through the
 * TypeScript compiler from lib/index.ts (and lib/testing/index.ts for the `./testing` entry).
 */
import path from 'node:path';
import ts from 'typescript';
import { packageProgram } from './support/ts-program.js';

const ROOT = path.resolve(import.meta.dirname, '..');

interface Export {
  readonly name: string;
  readonly documented: boolean;
}

function exportsOf(entries: readonly string[]): Map<string, Export[]> {
  const files = entries.map((entry) => path.join(ROOT, entry));
  const program = packageProgram(files);
  const checker = program.getTypeChecker();
  const result = new Map<string, Export[]>();
  for (const [i, file] of files.entries()) {
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    result.set(
      entries[i]!,
      checker.getExportsOfModule(moduleSymbol).map((symbol) => {
        const target =
          symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        const docs = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
        // A namespace re-export (`export type * as X from …`) carries its TSDoc on the statement.
        const onStatement = (symbol.declarations ?? []).some((declaration) => {
          const statement = ts.isNamespaceExport(declaration) ? declaration.parent : declaration;
          const text = statement.getSourceFile().getFullText();
          return (ts.getLeadingCommentRanges(text, statement.getFullStart()) ?? []).some((range) =>
            text.startsWith('/**', range.pos),
          );
        });
        return { name: symbol.name, documented: docs.length > 0 || onStatement };
      }),
    );
  }
  return result;
}

const exported = exportsOf(['lib/index.ts', 'lib/testing/index.ts']);
const main = exported.get('lib/index.ts')!;
const testing = exported.get('lib/testing/index.ts')!;

describe('the public entry point', () => {
  it('exports about a hundred names', () => {
    expect(main.length).toBeGreaterThan(50);
    expect(main.length).toBeLessThanOrEqual(105);
  });

  it('documents every export with TSDoc', () => {
    expect(main.filter((e) => !e.documented).map((e) => e.name)).toEqual([]);
  });

  it('keeps internals and twins out', () => {
    const names = new Set(main.map((e) => e.name));
    const internals = [
      // low-level codec and unit constants
      'encodeIso88599',
      'decodeIso88599',
      'GSM7_SINGLE_SEGMENT_UNITS',
      'UCS2_SINGLE_SEGMENT_UNITS',
      // wire details, metadata keys and raw tokens
      'SOAP_NAMESPACE',
      'REQUIRE_OTP_METADATA',
      'POSTA_GUVERCINI_RESOLVED_OPTIONS',
      'VALIDATED_MODULE_OPTIONS',
      'RAW_MODULE_OPTIONS',
      // twins of OtpChallenge and OtpBinding
      'OtpChallengeDetails',
      'OtpGuardBinding',
    ];
    expect(internals.filter((name) => names.has(name))).toEqual([]);
    for (const kept of ['analyzeSmsText', 'transliterateTurkish', 'ErrorCode', 'OtpService']) {
      expect(names.has(kept)).toBe(true);
    }
  });

  it('the ./testing entry exports what tests need, documented', () => {
    const names = testing.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['InMemoryTransport']));
    expect(testing.filter((e) => !e.documented).map((e) => e.name)).toEqual([]);
  });
});
