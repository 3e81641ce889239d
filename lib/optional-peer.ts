import { MissingDependencyError } from './errors/missing-dependency.error.js';

/**
 * The one loader of optional peer dependencies (`ioredis`, `bullmq`, `@nestjs/terminus`,
 * `@opentelemetry/api`). `importer` is the dynamic import of the package (an arrow returning
 * `import(…)`), written at the call site so that bundlers and TypeScript see the literal
 * specifier.
 *
 * Resolves to the module's namespace; a CommonJS interop namespace that nests the exports under
 * `default` is unwrapped when `expected` (an export the feature needs) is only found there.
 * Rejects with `MissingDependencyError` naming the package and the feature when it cannot be
 * loaded or lacks `expected`. Nothing is cached here: a failed load is retried next time.
 */
export async function loadOptionalPeer<T = Record<string, unknown>>(
  packageName: string,
  feature: string,
  importer: () => Promise<unknown>,
  expected?: string,
): Promise<T> {
  let namespace: unknown;
  try {
    namespace = await importer();
  } catch (cause) {
    throw new MissingDependencyError(packageName, feature, { cause });
  }
  if (expected === undefined) return namespace as T;
  const own = namespace as Record<string, unknown> & { default?: Record<string, unknown> };
  if (own[expected] !== undefined) return own as T;
  if (own.default?.[expected] !== undefined) return own.default as T;
  throw new MissingDependencyError(packageName, feature, {
    detail: `it has no export ${expected}; a newer major is needed`,
    install: `npm install ${packageName}@latest`,
  });
}
