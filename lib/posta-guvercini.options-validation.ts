import { MAX_SENDER_LENGTH } from './posta-guvercini.constants.js';
import { InvalidOptionsError } from './errors/validation.error.js';
import type { PostaGuverciniModuleOptions } from './posta-guvercini.options.js';
import { resolveAccounts } from './transports/resolve-accounts.js';

/**
 * Validates the module-level options once at start-up. Feature options (`otp`, `bulk`) are
 * validated by their services. Throws `InvalidOptionsError` naming the option.
 */
export function validateModuleOptions(options: PostaGuverciniModuleOptions): PostaGuverciniModuleOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError('options', 'expected an object');
  }
  const { timeoutMs, sender, allowInsecureHttp } = options;
  if (allowInsecureHttp !== undefined && typeof allowInsecureHttp !== 'boolean') {
    throw new InvalidOptionsError('allowInsecureHttp', 'expected true or false');
  }
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 300_000)) {
    throw new InvalidOptionsError('timeoutMs', 'expected an integer number of milliseconds between 1 and 300000');
  }
  if (sender !== undefined && (typeof sender !== 'string' || sender.length < 1 || sender.length > MAX_SENDER_LENGTH)) {
    throw new InvalidOptionsError('sender', `expected a string of 1 to ${MAX_SENDER_LENGTH} characters`);
  }
  const transport = options.transport ?? 'json';
  if (typeof transport === 'string' && transport !== 'memory') {
    resolveAccounts(options.accounts, allowInsecureHttp ?? false);
  }
  return options;
}
