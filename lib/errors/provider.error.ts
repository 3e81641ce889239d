import type { ErrorCode } from './error-code.js';
import { PostaGuverciniError } from './posta-guvercini.error.js';
import { type ProviderApi, providerCodeMeaning } from './provider-codes.js';

/**
 * The provider answered, and the answer is an error (wrong credentials, invalid number,
 * insufficient credit, too many recipients, …). `providerCode` is the raw code as sent
 * (`-1003`, `ERR1050`, `1070`); `meaning` is its documented meaning.
 */
export class SmsProviderError extends PostaGuverciniError {
  override readonly name: string = 'SmsProviderError';
  readonly meaning: string;

  constructor(
    readonly api: ProviderApi,
    readonly providerCode: string,
    /** The provider's own text, if any (never contains credentials: the provider does not echo them). */
    readonly providerText?: string,
    options?: { cause?: unknown },
  ) {
    const meaning =
      providerCodeMeaning(api, providerCode) ?? providerText ?? 'undocumented provider code';
    super(
      SmsProviderError.codeFor(api, providerCode),
      `Posta Güvercini ${api.toUpperCase()} API answered with error ${providerCode}: ${meaning}`,
      options,
    );
    this.meaning = meaning;
  }

  /** Whether the error says the credentials are wrong. */
  get isAuthenticationError(): boolean {
    return this.code === 'PROVIDER_AUTHENTICATION';
  }

  private static codeFor(api: ProviderApi, providerCode: string): ErrorCode {
    // XML/SOAP use per-page families (ERR1001 send, ERR2001 status, ERR7001 credit, …).
    if (['-1001', '-1002', '10'].includes(providerCode) || /^ERR\d001\b/.test(providerCode)) {
      return 'PROVIDER_AUTHENTICATION';
    }
    if (api === 'json' && providerCode === '500') return 'PROVIDER_AUTHENTICATION_OR_SERVER';
    if (providerCode === '20') return 'PROVIDER_INSUFFICIENT_CREDIT';
    if (providerCode === '-1003' || (api === 'json' && providerCode === '1061')) {
      return 'PROVIDER_INVALID_NUMBER';
    }
    if (/^ERR\d070\b/.test(providerCode) || providerCode === '1070')
      return 'PROVIDER_TOO_MANY_RECIPIENTS';
    return 'PROVIDER_ERROR';
  }
}
