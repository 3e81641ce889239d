import { inspect } from 'node:util';
import { asPackageError } from './errors/as-package-error.js';
import { MissingDependencyError } from './errors/missing-dependency.error.js';
import { PostaGuverciniError } from './errors/posta-guvercini.error.js';
import { SmsTransportError } from './errors/transport.error.js';
import { SmsValidationError } from './errors/validation.error.js';
import { loadOptionalPeer } from './optional-peer.js';
import {
  resolveAccounts,
  resolvedAccountsOf,
  resolvedConnectivityOf,
  withResolvedWireOptions,
} from './transports/resolve-accounts.js';
import { resolveConnectivity } from './transports/wire/connectivity.js';

const notFound = () =>
  Promise.reject(
    Object.assign(new Error("Cannot find package 'ioredis'"), { code: 'ERR_MODULE_NOT_FOUND' }),
  );

describe('loadOptionalPeer', () => {
  it('rejects with MissingDependencyError naming the package, the feature and what to install', async () => {
    const failure = loadOptionalPeer('ioredis', 'The Redis OTP store', notFound);
    await expect(failure).rejects.toBeInstanceOf(MissingDependencyError);
    await expect(failure).rejects.toMatchObject({
      code: 'MISSING_PEER_DEPENDENCY',
      packageName: 'ioredis',
      feature: 'The Redis OTP store',
      message: expect.stringContaining('npm install ioredis') as string,
    });
  });

  it('unwraps a CommonJS interop namespace and refuses a version without the needed export', async () => {
    class Redis {}
    await expect(
      loadOptionalPeer<{ Redis: unknown }>(
        'ioredis',
        'x',
        () => Promise.resolve({ default: { Redis } }),
        'Redis',
      ),
    ).resolves.toEqual({ Redis });
    await expect(
      loadOptionalPeer(
        '@nestjs/terminus',
        'health',
        () => Promise.resolve({}),
        'HealthIndicatorService',
      ),
    ).rejects.toMatchObject({
      code: 'MISSING_PEER_DEPENDENCY',
      message: expect.stringContaining('npm install @nestjs/terminus@latest') as string,
    });
  });
});

describe('asPackageError (the one error normaliser)', () => {
  it("returns the package's errors as they are", () => {
    const own = new SmsValidationError('INVALID_PHONE', 'bad number', 'to');
    expect(asPackageError(own)).toBe(own);
    expect(asPackageError(own, 'internal')).toBe(own);
  });

  it('wraps anything else without its message (it may hold a secret), by origin', () => {
    const foreign = new Error('connect to redis://u:hunter2@h failed');
    const request = asPackageError(foreign);
    expect(request).toBeInstanceOf(SmsTransportError);
    expect(request).toMatchObject({ code: 'TRANSPORT_UNEXPECTED', maybeAccepted: true });
    const internal = asPackageError(foreign, 'internal');
    expect(internal).toBeInstanceOf(PostaGuverciniError);
    expect(internal.code).toBe('UNEXPECTED');
    for (const error of [request, internal]) {
      expect(error.message).not.toContain('hunter2');
      expect(inspect(error, { depth: Infinity })).not.toContain('hunter2');
    }
  });
});

describe('accounts are resolved once', () => {
  it('a wire transport takes the accounts the module resolved instead of resolving again', () => {
    const options = { accounts: { otp: { username: 'u', password: 'p' } } };
    const accounts = resolveAccounts(options.accounts);
    const connectivity = resolveConnectivity({}, accounts);
    const fromModule = withResolvedWireOptions(options, accounts, connectivity);
    expect(resolvedAccountsOf(fromModule)).toBe(accounts);
    expect(resolvedConnectivityOf(fromModule, accounts)).toBe(connectivity);
    // Built by hand, a transport resolves its own.
    expect(resolvedAccountsOf(options)).not.toBe(accounts);
    expect(resolvedAccountsOf(options)).toEqual(accounts);
  });
});

describe('ErrorCode', () => {
  it('is the only code an error constructor accepts (checked at compile time)', () => {
    // @ts-expect-error: not an ErrorCode
    const made = new PostaGuverciniError('NOT_A_CODE', 'x');
    // @ts-expect-error: not an ErrorCode
    void new SmsValidationError('NOT_A_CODE', 'x');
    // @ts-expect-error: not an ErrorCode
    void new SmsTransportError('NOT_A_CODE', 'x', false);
    expect(made.code).toBe('NOT_A_CODE');
  });
});
