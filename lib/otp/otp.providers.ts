import {
  type Abstract,
  Inject,
  Injectable,
  type OnModuleInit,
  type Provider,
  type Type,
} from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { printWithoutSecrets } from '../errors/redact.js';
import { InvalidOptionsError } from '../errors/validation.error.js';
import { VALIDATED_MODULE_OPTIONS, REQUIRE_OTP_METADATA } from '../posta-guvercini.constants.js';
import type { PostaGuverciniModuleOptions } from '../posta-guvercini.options.js';
import { InMemoryTransport } from '../transports/in-memory.transport.js';
import { OtpGuard } from './guard/otp.guard.js';
import {
  type ResolvedOtpGuardDefaults,
  resolveOtpGuardDefaults,
} from './guard/otp-guard.options-validation.js';
import { OTP_GUARD_DEFAULTS, OTP_RESOLVED_OPTIONS } from './otp.constants.js';
import { OtpService } from './otp.service.js';
import {
  type ResolvedOtpOptions,
  SECRET_REQUIRED,
  resolveOtpOptions,
} from './resolve-otp-options.js';
import { createOtpStore } from './stores/create-otp-store.js';
import { OtpStore } from './stores/otp.store.js';

/** Whether the module's `transport` option is the in-memory transport (by name or instance). */
export function isInMemoryTransportOption(
  transport: PostaGuverciniModuleOptions['transport'],
): boolean {
  return (transport ?? 'json') === 'memory' || transport instanceof InMemoryTransport;
}

/**
 * The OTP slice of the module options, validated and resolved once (`OTP_RESOLVED_OPTIONS`):
 * `OtpService` receives it by injection. It prints without the secret.
 */
export function otpOptionsFactory(moduleOptions: PostaGuverciniModuleOptions): ResolvedOtpOptions {
  const resolved = resolveOtpOptions({
    otp: moduleOptions.otp,
    transportIsInMemory: isInMemoryTransportOption(moduleOptions.transport),
  });
  return printWithoutSecrets(resolved, 'ResolvedOtpOptions', () => ({
    configured: resolved.secret !== undefined,
    generatedSecret: resolved.generatedSecret,
  }));
}

/** The guard defaults (`otp.guard`), resolved once for every `OtpGuard` (`OTP_GUARD_DEFAULTS`). */
export function otpGuardDefaultsFactory(
  moduleOptions: PostaGuverciniModuleOptions,
): ResolvedOtpGuardDefaults {
  return resolveOtpGuardDefaults(moduleOptions.otp);
}

type Metadata = (key: string, target: object) => unknown;
const getMetadata: Metadata = (key, target) =>
  (Reflect as unknown as { getMetadata?: Metadata }).getMetadata?.(key, target);

/**
 * Start-up check: with a wire transport and no `otp.secret`, OTP is not configured, which is
 * right for a bulk-only app, but an app that uses `OtpService` (injects it anywhere) or
 * `@RequireOtp()` (on any controller or handler) would answer every guarded request with a
 * 500. Such an app stops at start-up with `InvalidOptionsError` naming `otp.secret`.
 */
@Injectable()
export class OtpStartupCheck implements OnModuleInit {
  constructor(
    private readonly modules: ModulesContainer,
    @Inject(OtpService) private readonly otp: OtpService,
  ) {}

  onModuleInit(): void {
    if (this.otp.configured) return;
    const user = this.findOtpUser();
    if (user === undefined) return;
    throw new InvalidOptionsError(
      'otp.secret',
      `${SECRET_REQUIRED}. ${user} uses one-time passwords, and the transport is not 'memory'`,
    );
  }

  /** The first class of the app that uses OTP, described for the message; `undefined` if none. */
  private findOtpUser(): string | undefined {
    for (const module of this.modules.values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as Type | null;
        if (controller !== null && typeof controller === 'function' && requiresOtp(controller))
          return `@RequireOtp() on ${controller.name}`;
      }
      const classes = [
        ...module.providers.values(),
        ...module.controllers.values(),
        ...module.injectables.values(),
      ];
      for (const wrapper of classes) {
        const { metatype, inject } = wrapper as { metatype?: unknown; inject?: unknown };
        if (metatype === OtpService || metatype === OtpGuard || metatype === OtpStartupCheck)
          continue;
        if (Array.isArray(inject) && inject.includes(OtpService))
          return `the provider ${String(wrapper.token instanceof Function ? wrapper.token.name : String(wrapper.token))}`;
        if (typeof metatype === 'function' && injectsOtpService(metatype))
          return `${(metatype as Type).name}, which injects OtpService,`;
      }
    }
    return undefined;
  }
}

function requiresOtp(controller: Type): boolean {
  if (getMetadata(REQUIRE_OTP_METADATA, controller) !== undefined) return true;
  const prototype = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype).some((name) => {
    const handler = name === 'constructor' ? undefined : prototype[name];
    return (
      typeof handler === 'function' && getMetadata(REQUIRE_OTP_METADATA, handler) !== undefined
    );
  });
}

function injectsOtpService(type: object): boolean {
  const params = getMetadata('design:paramtypes', type);
  if (Array.isArray(params) && params.includes(OtpService)) return true;
  const declared = getMetadata('self:paramtypes', type);
  if (Array.isArray(declared) && declared.some((d: { param?: unknown }) => d?.param === OtpService))
    return true;
  const properties = getMetadata('self:properties_metadata', type);
  return (
    Array.isArray(properties) && properties.some((p: { type?: unknown }) => p?.type === OtpService)
  );
}

/**
 * The OTP providers of `PostaGuverciniModule` (as cache-manager's `cache.providers.ts`): the
 * `otp` options and the guard defaults, each resolved once; the store named by `otp.store`
 * (injectable as `OtpStore`; a store the module opened closes itself on application shutdown);
 * `OtpService`, which receives its resolved options; and the start-up check above.
 */
export const otpProviders: Provider[] = [
  {
    provide: OTP_RESOLVED_OPTIONS,
    useFactory: otpOptionsFactory,
    inject: [VALIDATED_MODULE_OPTIONS],
  },
  {
    provide: OTP_GUARD_DEFAULTS,
    useFactory: otpGuardDefaultsFactory,
    inject: [VALIDATED_MODULE_OPTIONS],
  },
  {
    provide: OtpStore,
    useFactory: (options: PostaGuverciniModuleOptions) => createOtpStore(options.otp?.store),
    inject: [VALIDATED_MODULE_OPTIONS],
  },
  OtpService,
  OtpStartupCheck,
];

/**
 * What the module exports for OTP. The guard defaults token is exported (internal, not in the
 * public entry) because `OtpGuard` is instantiated in the modules that use `@RequireOtp()`.
 */
export const otpExports: Array<Type | Abstract<unknown> | symbol> = [
  OtpService,
  OtpStore,
  OTP_GUARD_DEFAULTS,
];
