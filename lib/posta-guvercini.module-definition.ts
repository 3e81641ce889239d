import { ConfigurableModuleBuilder } from '@nestjs/common';
import { POSTA_GUVERCINI_OPTIONS } from './posta-guvercini.constants.js';
import type { PostaGuverciniModuleOptions } from './posta-guvercini.options.js';

export interface PostaGuverciniModuleExtras {
  /**
   * Register the module globally, so feature modules can inject its services without importing it.
   * @default true
   */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: PostaGuverciniConfigurableModule,
  OPTIONS_TYPE: POSTA_GUVERCINI_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: POSTA_GUVERCINI_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PostaGuverciniModuleOptions>({
  optionsInjectionToken: POSTA_GUVERCINI_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createPostaGuverciniOptions')
  .setExtras<PostaGuverciniModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    // Async extras are known to arrive undefined in some Nest versions (nestjs/nest #10307).
    global: extras?.isGlobal ?? true,
  }))
  .build();
