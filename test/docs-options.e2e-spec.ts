/**
 * docs/configuration.md is the reference of every module option: this spec reads the option
 * types the package exports (through the TypeScript compiler, from the public entry point) and
 * checks that each option is named in its section of the page, so an option added to a public
 * options type without documentation fails the suite.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { packageProgram } from './support/ts-program.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * The property names of each option type, by name: an exported interface (`OtpModuleOptions`)
 * or a path from one through its properties (`OtpModuleOptions.lockout`: the object form of
 * that option, `undefined`, `false` and other non-object members left out; a record's value
 * type for `OtpModuleOptions.purposes`).
 */
function exportedProperties(names: readonly string[]): Map<string, string[]> {
  const entry = path.join(ROOT, 'lib', 'index.ts');
  const program = packageProgram([entry]);
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const exported = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.name, s]));
  /** The object members of an option's type (a record's values for a record). */
  const objectPart = (type: ts.Type): ts.Type[] => {
    const members = type.isUnion() ? type.types : [type];
    return members.flatMap((member) => {
      if (!(member.flags & ts.TypeFlags.Object)) return [];
      const values = checker.getIndexInfosOfType(member)[0]?.type;
      if (values && checker.getPropertiesOfType(member).length === 0) return objectPart(values);
      return member.getCallSignatures().length > 0 ? [] : [member];
    });
  };
  const result = new Map<string, string[]>();
  for (const name of names) {
    const [root, ...steps] = name.split('.');
    let symbol = exported.get(root!);
    if (symbol === undefined) throw new Error(`${root} is not exported from the package`);
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    let types = [checker.getDeclaredTypeOfSymbol(symbol)];
    for (const step of steps) {
      types = types.flatMap((type) => {
        const property = checker.getPropertyOfType(type, step);
        if (property === undefined) return [];
        return objectPart(checker.getNonNullableType(checker.getTypeOfSymbol(property)));
      });
      if (types.length === 0) throw new Error(`${name}: no object type at "${step}"`);
    }
    result.set(name, [
      ...new Set(types.flatMap((type) => checker.getPropertiesOfType(type).map((p) => p.name))),
    ]);
  }
  return result;
}

/** The text of a `##`/`###`/`####` section of a Markdown page, up to the next heading of its level or above. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const level = /^#+/.exec(lines[start]!)![0].length;
  let inFence = false;
  const end = lines.findIndex((line, i) => {
    if (line.startsWith('```')) inFence = !inFence;
    return !inFence && i > start && /^#+ /.test(line) && /^#+/.exec(line)![0].length <= level;
  });
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

describe('docs/configuration.md names every option of the exported option types', () => {
  let page = '';
  let types = new Map<string, string[]>();

  beforeAll(async () => {
    page = await readFile(path.join(ROOT, 'docs', 'configuration.md'), 'utf8');
    types = exportedProperties([
      'PostaGuverciniModuleOptions',
      'OtpModuleOptions',
      'OtpModuleOptions.lockout',
      'OtpModuleOptions.purposes',
      'OtpModuleOptions.trackDelivery',
      'OtpHooks',
      'OtpGuardModuleOptions',
      'RedisOtpStoreOptions',
      'BulkModuleOptions',
      'BulkModuleOptions.retry',
      'BulkModuleOptions.durable',
      'PostaGuverciniHealthOptions',
    ]);
  }, 120_000);

  const cases: readonly (readonly [typeName: string, heading: string])[] = [
    ['PostaGuverciniModuleOptions', '## Options'],
    ['OtpModuleOptions', '### `otp`'],
    ['OtpModuleOptions.lockout', '### `otp`'],
    ['OtpModuleOptions.purposes', '### `otp`'],
    ['OtpModuleOptions.trackDelivery', '### `otp`'],
    ['OtpHooks', '#### `otp.hooks`'],
    ['OtpGuardModuleOptions', '#### `otp.guard`'],
    ['RedisOtpStoreOptions', '#### `otp.store` in its Redis form'],
    ['BulkModuleOptions', '### `bulk`'],
    ['BulkModuleOptions.retry', '### `bulk`'],
    ['BulkModuleOptions.durable', '#### `bulk.durable`'],
    ['PostaGuverciniHealthOptions', '### Health check options'],
  ];

  it.each(cases)('%s, in "%s"', (typeName, heading) => {
    const properties = types.get(typeName)!;
    expect(properties.length).toBeGreaterThan(0);
    // Named in the prose or tables (inline code), not only in an example's code block.
    const prose = section(page, heading).replace(/^```[\s\S]*?^```$/gm, '');
    const named = new Set(
      [...prose.matchAll(/`([^`\n]+)`/g)].flatMap((m) => m[1]!.match(/\w+/g) ?? []),
    );
    const missing = properties.filter((name) => !named.has(name));
    expect(missing).toEqual([]);
  });
});
