import type { SmsChannel } from './sms-transport.types.js';

/** An account with its base URL resolved and checked (`resolveAccounts`). A leaf of types. */
export interface ResolvedAccount {
  readonly channel: SmsChannel;
  readonly username: string;
  readonly password: string;
  readonly baseUrl: URL;
}
