import type { ProviderApi } from '../../errors/provider-codes.js';
import { providerRequest, providerTelemetryOn } from '../../telemetry/telemetry.js';
import type { ResolvedAccount } from '../wire-transport.options.js';
import type { WireHttpClient, WireRequest, WireResponse } from './wire-client.js';

/** What a provider request is, for telemetry. */
export interface ExchangeInfo {
  readonly api: ProviderApi;
  readonly operation: 'send' | 'status' | 'credit';
  readonly account: ResolvedAccount;
  /** Recipients or message ids the request carries. */
  readonly recipients: number;
}

/**
 * One provider request: posts, reads the reply, and records it (a span and metrics when
 * OpenTelemetry is on; see lib/telemetry). Without an SDK there is nothing to record: post and
 * read, no wrapper.
 */
export function providerExchange<R>(
  client: WireHttpClient,
  info: ExchangeInfo,
  wire: WireRequest,
  read: (response: WireResponse) => R,
): Promise<R> {
  if (!providerTelemetryOn()) return client.postAndRead(wire, read);
  return providerRequest(
    {
      api: info.api,
      hostProfile: info.account.channel,
      operation: info.operation,
      recipients: info.recipients,
      serverAddress: info.account.baseUrl.hostname,
    },
    async (span) => {
      const response = await client.post(wire);
      span.httpStatus(response.status);
      const value = read(response);
      span.providerCode((value as { providerCode?: string } | null)?.providerCode);
      return value;
    },
  );
}
