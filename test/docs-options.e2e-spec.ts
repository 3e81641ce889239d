/**
 * docs/configuration.md is the reference of every module option: this spec reads the option
 * types the package exports (through the TypeScript compiler, from the public entry point) and
 * checks that each option is named in its section of the page, so an option added to a public
 * options type without documentation fails the suite.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The property names of each exported interface, by interface name. */
function exportedProperties(names: readonly string[]): Map<string, string[]> {
  const entry = path.join(ROOT, 'lib', 'index.ts');
  const program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    experimentalDecorators: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const exported = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.name, s]));
  const result = new Map<string, string[]>();
  for (const name of names) {
    let symbol = exported.get(name);
    if (symbol === undefined) throw new Error(`${name} is not exported from the package`);
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    result.set(
      name,
      checker.getPropertiesOfType(type).map((p) => p.name),
    );
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
      'OtpLockoutOptions',
      'OtpPurposeProfile',
      'OtpDeliveryTrackingOptions',
      'OtpHooks',
      'OtpGuardModuleOptions',
      'RedisOtpStoreOptions',
      'BulkModuleOptions',
      'BulkRetryOptions',
      'DurableBulkOptions',
      'PostaGuverciniHealthOptions',
    ]);
  }, 120_000);

  const cases: readonly (readonly [typeName: string, heading: string])[] = [
    ['PostaGuverciniModuleOptions', '## Options'],
    ['OtpModuleOptions', '### `otp`'],
    ['OtpLockoutOptions', '### `otp`'],
    ['OtpPurposeProfile', '### `otp`'],
    ['OtpDeliveryTrackingOptions', '### `otp`'],
    ['OtpHooks', '#### `otp.hooks`'],
    ['OtpGuardModuleOptions', '#### `otp.guard`'],
    ['RedisOtpStoreOptions', '#### `otp.store` in its Redis form'],
    ['BulkModuleOptions', '### `bulk`'],
    ['BulkRetryOptions', '### `bulk`'],
    ['DurableBulkOptions', '#### `bulk.durable`'],
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
