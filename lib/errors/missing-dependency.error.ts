import { PostaGuverciniError } from './posta-guvercini.error.js';

/**
 * `MISSING_PEER_DEPENDENCY`: a feature needs an optional peer dependency that cannot be loaded
 * (not installed, or a version without what the package uses). `packageName` names the
 * package, `feature` what needs it; the message says what to install.
 *
 * | `packageName`         | `feature`                                   |
 * | --------------------- | ------------------------------------------- |
 * | `ioredis`             | the Redis OTP store (`otp.store`)           |
 * | `bullmq`, `ioredis`   | durable bulk campaigns (`bulk.durable`)     |
 * | `@nestjs/terminus`    | `PostaGuverciniHealthIndicator`             |
 */
export class MissingDependencyError extends PostaGuverciniError {
  override readonly name: string = 'MissingDependencyError';

  constructor(
    /** The npm package that could not be loaded, e.g. `ioredis`. */
    readonly packageName: string,
    /** What needs it, e.g. `bulk.durable`. */
    readonly feature: string,
    options?: {
      /** Why it is unusable when it is installed (e.g. a too old major). */
      readonly detail?: string;
      /** What to run instead of `npm install <packageName>`. */
      readonly install?: string;
      readonly cause?: unknown;
    },
  ) {
    super(
      'MISSING_PEER_DEPENDENCY',
      `${feature} needs the optional peer dependency ${packageName}${options?.detail === undefined ? '' : ` (${options.detail})`}: run \`${options?.install ?? `npm install ${packageName}`}\``,
      options !== undefined && 'cause' in options ? { cause: options.cause } : undefined,
    );
  }
}
