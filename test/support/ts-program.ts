import ts from 'typescript';

/**
 * A TypeScript program over the package's own entry files, compiled as an app's would be (ES2022,
 * NodeNext, strict, decorators), for specs that read the public API through the type checker.
 */
export function packageProgram(files: readonly string[]): ts.Program {
  return ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    experimentalDecorators: true,
    types: ['node'],
  });
}
