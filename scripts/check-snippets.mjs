#!/usr/bin/env node
// Compiles every TypeScript snippet of the documentation against the BUILT package, so that a
// snippet that no longer compiles fails CI (`test/snippets.e2e-spec.ts` runs this script in
// `npm test`; `npm run build` must have run first, as `.ci/run` does).
//
//   npm run build && node scripts/check-snippets.mjs [--out <dir>] [--docs <dir>]
//
// --out: where the generated sources go (default test-artifacts/snippets; inside the repository).
// --docs: the directory whose README.md and docs/ are checked (default: the repository); the
//         self-test in test/snippets.e2e-spec.ts points it at a deliberately broken example.
//
// Which blocks: every fenced block whose info string starts with `ts` (or `typescript`) in
// README.md and in docs/**/*.md. Other languages (bash, http, text…) are not compiled.
//
// The rules a snippet follows (also in docs/contributing.md):
//
// - A ```ts block is a complete ES module, imports included. It imports the package as users
//   do: `from 'nestjs-posta-guvercini'` and `from 'nestjs-posta-guvercini/testing'`; here both
//   names resolve to dist/ (the repository's own package.json "exports", self-reference), so
//   the types checked are the published ones.
// - A block may be deliberately partial: info string ```ts partial. It is compiled inside this
//   wrapper:
//
//       <the block's leading comments, `import …;` and `declare …;` statements, as they are>
//       export async function partialSnippet(): Promise<void> {
//         <the rest of the block>
//       }
//
//   so a partial block is a sequence of statements (no class members, no bare object
//   literals); it imports what it uses, and `declare const accounts: AccountsOptions;` stands
//   for a value the surrounding text explains. Keep partial blocks short: at most
//   MAX_PARTIAL_LINES lines. Any other word after `ts` in the info string is refused (a typo
//   such as `ts partail` would otherwise change how the block is compiled).
// - A block whose first line is a file-name comment, `// app.module.ts` (optionally followed
//   by ` — what it is`), is written under that name, so later blocks of the same Markdown file
//   can import it (`from './app.module.js'`). Two blocks of one file may not share a name.
//   Blocks without a name get `snippet-<line>.ts`.
// - A named block `*.spec.ts` is a Jest test; `test/snippets.e2e-spec.ts` also runs those
//   against the built package, and boots README.md's Quick start (`main.ts`) against the
//   provider simulator.
//
// Output: <out>/src/<markdown path>/<file>.ts (generated sources), <out>/js/… (compiled
// JavaScript, used by the runtime checks), <out>/snippets.json (the index). Errors are
// printed as `README.md:123: error TS2304: …` with the Markdown line. Exit code 1 on any
// compile error or bad snippet, 0 otherwise.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Longest `ts partial` block accepted. */
const MAX_PARTIAL_LINES = 30;
/** Words allowed after `ts` in an info string. */
const INFO_WORDS = new Set(['partial']);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Compiler options of a typical NestJS 12 app (ES modules, decorators with metadata). */
const COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2023'],
  module: 'nodenext',
  moduleResolution: 'nodenext',
  strict: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  skipLibCheck: true,
  isolatedModules: true,
  sourceMap: false,
  declaration: false,
  types: ['node', 'jest'],
  rootDir: 'src',
  outDir: 'js',
  noEmitOnError: false,
};

function parseArgs(argv) {
  const options = { out: path.join(ROOT, 'test-artifacts', 'snippets'), docs: ROOT };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') options.out = path.resolve(argv[++i] ?? '');
    else if (argv[i] === '--docs') options.docs = path.resolve(argv[++i] ?? '');
    else if (argv[i] === '-h' || argv[i] === '--help') {
      process.stdout.write('Usage: node scripts/check-snippets.mjs [--out <dir>] [--docs <dir>]\n');
      process.exit(0);
    } else {
      process.stderr.write(`Unknown argument ${argv[i]}\n`);
      process.exit(2);
    }
  }
  // The output must sit inside the repository: the package name resolves by self-reference
  // and @nestjs/* from the repository's node_modules.
  const relative = path.relative(ROOT, options.out);
  if (relative.startsWith('..') || path.isAbsolute(relative) || relative === '') {
    process.stderr.write(`--out must be a directory inside ${ROOT}\n`);
    process.exit(2);
  }
  return options;
}

async function markdownFiles(docsRoot) {
  const files = [];
  if (existsSync(path.join(docsRoot, 'README.md'))) files.push('README.md');
  async function walk(dir) {
    let entries;
    try {
      entries = await readdir(path.join(docsRoot, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const relative = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) await walk(relative);
      else if (entry.name.endsWith('.md')) files.push(relative);
    }
  }
  await walk('docs');
  return files;
}

/** The fenced ```ts blocks of a Markdown text: `{ line, partial, lines }` (line: 1-based, of the first code line). */
function extractBlocks(text) {
  const lines = text.split(/\r?\n/);
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const words = info.trim().split(/\s+/).filter(Boolean);
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).exec(lines[j]);
      if (close) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    }
    const language = (words[0] ?? '').toLowerCase();
    if (language === 'ts' || language === 'typescript') {
      blocks.push({
        line: i + 2,
        partial: words.slice(1).includes('partial'),
        unknownWords: words.slice(1).filter((word) => !INFO_WORDS.has(word)),
        lines: body,
      });
    }
    i = j;
  }
  return blocks;
}

/** `// app.module.ts — …` on the first line names the block. */
function nameOf(block) {
  const match = /^\/\/\s*([\w.-]+\.ts)\b/.exec(block.lines[0] ?? '');
  return match?.[1];
}

/**
 * The generated source of a block and, per generated line, the Markdown line it came from
 * (`undefined` for wrapper lines).
 */
function render(block) {
  if (!block.partial) {
    return {
      source: block.lines.join('\n') + '\n',
      map: block.lines.map((_, i) => block.line + i),
    };
  }
  // Hoist the leading comments, imports and declarations; the rest is the function body.
  let i = 0;
  const isStatementEnd = (line) => /;\s*(\/\/.*)?$/.test(line);
  while (i < block.lines.length) {
    const line = block.lines[i].trim();
    if (line === '' || line.startsWith('//')) {
      i++;
    } else if (/^(import|declare)\b/.test(line)) {
      while (i < block.lines.length && !isStatementEnd(block.lines[i])) i++;
      i++;
    } else {
      break;
    }
  }
  const head = block.lines.slice(0, i);
  const body = block.lines.slice(i);
  const source = [
    ...head,
    'export async function partialSnippet(): Promise<void> {',
    ...body.map((line) => (line === '' ? '' : `  ${line}`)),
    '}',
    '',
  ].join('\n');
  const map = [
    ...head.map((_, k) => block.line + k),
    undefined,
    ...body.map((_, k) => block.line + i + k),
    undefined,
  ];
  return { source, map };
}

function runTsc(project) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', project, '--pretty', 'false'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function main() {
  const { out, docs } = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, 'dist', 'esm', 'index.d.ts'))) {
    process.stderr.write(
      'check-snippets: dist/ is missing; run `npm run build` first (snippets compile against the built package).\n',
    );
    process.exit(1);
  }
  await rm(out, { recursive: true, force: true });
  const src = path.join(out, 'src');
  const problems = [];
  /** generated file (relative to src) → { markdown, map } */
  const origins = new Map();
  const index = [];
  let partials = 0;
  const files = await markdownFiles(docs);
  for (const markdown of files) {
    const text = await readFile(path.join(docs, markdown), 'utf8');
    const dir = markdown.replace(/\.md$/i, '');
    const names = new Set();
    for (const block of extractBlocks(text)) {
      const named = nameOf(block);
      const file = named ?? `snippet-${block.line}.ts`;
      if (names.has(file)) {
        problems.push(
          `${markdown}:${block.line - 1}: two blocks are named ${file}; rename one (see scripts/check-snippets.mjs)`,
        );
        continue;
      }
      names.add(file);
      if (block.unknownWords.length > 0) {
        problems.push(
          `${markdown}:${block.line - 1}: unknown info string word(s) after ts: ${block.unknownWords.join(' ')} (only "partial" is known)`,
        );
      }
      if (block.partial && block.lines.length > MAX_PARTIAL_LINES) {
        problems.push(
          `${markdown}:${block.line - 1}: a ts partial block of ${block.lines.length} lines; keep it to ${MAX_PARTIAL_LINES} or make it a complete module`,
        );
      }
      if (block.partial) partials++;
      const { source, map } = render(block);
      const relative = path.posix.join(dir, file);
      await mkdir(path.join(src, dir), { recursive: true });
      await writeFile(path.join(src, relative), source);
      origins.set(relative, { markdown, map });
      index.push({
        markdown,
        line: block.line,
        name: named,
        partial: block.partial,
        source: `src/${relative}`,
        js: `js/${relative.replace(/\.ts$/, '.js')}`,
      });
    }
  }
  await writeFile(path.join(out, 'snippets.json'), `${JSON.stringify(index, null, 2)}\n`);
  if (index.length === 0) {
    process.stderr.write('check-snippets: no ```ts block found\n');
    process.exit(1);
  }
  await writeFile(
    path.join(out, 'tsconfig.json'),
    `${JSON.stringify({ compilerOptions: COMPILER_OPTIONS, include: ['src'] }, null, 2)}\n`,
  );
  const { code, output } = await runTsc(path.join(out, 'tsconfig.json'));
  // `test-artifacts/snippets/src/README/app.module.ts(12,5): error TS…` → `README.md:34: error TS…`
  const pattern = /^(.*?)\((\d+),(\d+)\): (error|warning) (.*)$/;
  const srcPrefix = path.relative(ROOT, src).split(path.sep).join('/') + '/';
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const match = pattern.exec(line);
    const file = match?.[1]?.split(path.sep).join('/');
    const relative = file?.startsWith(srcPrefix) ? file.slice(srcPrefix.length) : undefined;
    const origin = relative ? origins.get(relative) : undefined;
    if (match && origin) {
      const mdLine = origin.map[Number(match[2]) - 1];
      const where =
        mdLine === undefined
          ? `${origin.markdown} (wrapper of a ts partial block)`
          : `${origin.markdown}:${mdLine}`;
      problems.push(`${where}: ${match[4]} ${match[5]}`);
    } else if (/error/i.test(line)) {
      problems.push(line);
    } else if (problems.length > 0) {
      // A continuation line of the previous diagnostic.
      problems[problems.length - 1] += `\n    ${line.trim()}`;
    }
  }
  if (code !== 0 && problems.length === 0)
    problems.push(output.trim() || `tsc exited with ${code}`);
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n\n✗ ${problems.length} snippet problem(s)\n`);
    process.exit(1);
  }
  process.stdout.write(
    `✓ ${index.length} TypeScript snippets (${partials} partial) from ${files.length} Markdown files compile against dist/\n`,
  );
}

await main();
