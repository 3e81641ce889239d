// PLACEHOLDER — owned by the bulk work: BulkSmsService providers.
import type { Provider } from '@nestjs/common';

export const bulkProviders: Provider[] = [];
export const bulkExports: Array<string | symbol | Function> = [];
