import { ConfigurableModuleBuilder, type ConfigurableModuleOptionsFactory } from '@nestjs/common';
import { RAW_MODULE_OPTIONS } from './posta-guvercini.constants.js';
import type { PostaGuverciniModuleOptions } from './posta-guvercini.options.js';

/** Options that shape the module itself rather than the SMS service. */
export interface PostaGuverciniModuleExtras {
  /**
   * Register the module globally, so feature modules can inject its services (`SmsTransport`,
   * `OtpService`, `BulkSmsService`) without importing it.
   * @default true
   */
  isGlobal?: boolean;
}

/**
 * What a `useClass` / `useExisting` options factory of `forRootAsync()` implements:
 *
 * ```ts
 * @Injectable()
 * class SmsConfig implements PostaGuverciniOptionsFactory {
 *   createPostaGuverciniOptions(): PostaGuverciniModuleOptions { … }
 * }
 * ```
 */
export type PostaGuverciniOptionsFactory = ConfigurableModuleOptionsFactory<
  PostaGuverciniModuleOptions,
  'createPostaGuverciniOptions'
>;

/** `global` for a dynamic module: `isGlobal` when given, else true (the documented default). */
export function resolveIsGlobal(extras: PostaGuverciniModuleExtras | undefined): boolean {
  return extras?.isGlobal ?? true;
}

export const {
  ConfigurableModuleClass: PostaGuverciniConfigurableModule,
  OPTIONS_TYPE: RAW_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: POSTA_GUVERCINI_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PostaGuverciniModuleOptions>({
  optionsInjectionToken: RAW_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createPostaGuverciniOptions')
  .setExtras<PostaGuverciniModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: resolveIsGlobal(extras),
  }))
  .build();

/** `PostaGuverciniModule.forRoot()` argument: the module options plus `isGlobal`. */
export type PostaGuverciniModuleRootOptions = typeof RAW_MODULE_OPTIONS_TYPE;

/** `PostaGuverciniModule.forRootAsync()` argument: `imports`, `inject`, `useFactory` | `useClass` | `useExisting`, plus `isGlobal`. */
export type PostaGuverciniModuleAsyncOptions = typeof POSTA_GUVERCINI_ASYNC_OPTIONS_TYPE;
