import { Agent, type Dispatcher, EnvHttpProxyAgent, ProxyAgent } from 'undici';
import type { ResolvedProxy, ResolvedTls } from './connectivity.js';

/** What the dispatcher is built from (the wire client's options). */
interface DispatcherOptions {
  readonly timeoutMs: number;
  readonly connections: number;
  readonly proxy?: ResolvedProxy;
  readonly tls?: ResolvedTls;
}

/** The header-relevant part of a wire request. */
interface HeaderSource {
  readonly contentType: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The undici dispatcher: a plain keep-alive `Agent`, or a `ProxyAgent` (one proxy URL) or an
 * `EnvHttpProxyAgent` (`HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`) around the same settings.
 * Through a proxy every origin connection is a CONNECT tunnel, so the per-origin connection
 * bound and keep-alive hold the same way (one tunnel per kept-alive connection).
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const tls = options.tls ?? {};
  const endpoint = { ...tls, timeout: options.timeoutMs };
  const agentOptions = {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    // Backstops only: the exchange deadline below is what normally fires first.
    headersTimeout: options.timeoutMs + 1_000,
    bodyTimeout: options.timeoutMs + 1_000,
  };
  const proxy = options.proxy;
  if (proxy === undefined) return new Agent({ ...agentOptions, connect: endpoint });
  // An https:// proxy is checked against the same CA (a bank's proxy and its inspecting CA).
  const proxyTls = {
    timeout: options.timeoutMs,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
  };
  if (proxy.mode === 'url') {
    return new ProxyAgent({ ...agentOptions, uri: proxy.url, requestTls: endpoint, proxyTls });
  }
  return new EnvHttpProxyAgent({
    ...agentOptions,
    connect: endpoint,
    requestTls: endpoint,
    proxyTls,
  });
}

export function headersOf(request: HeaderSource): Record<string, string> {
  return { 'content-type': request.contentType, ...request.headers };
}

/** Headers objects per (content type, extra headers object), so a request builds none. */
export class HeaderCache {
  private readonly plain = new Map<string, Record<string, string>>();
  private readonly extra = new WeakMap<object, Map<string, Record<string, string>>>();

  get(request: HeaderSource): Record<string, string> {
    const byType = request.headers === undefined ? this.plain : this.extraFor(request.headers);
    let headers = byType.get(request.contentType);
    if (headers === undefined) {
      headers = headersOf(request);
      byType.set(request.contentType, headers);
    }
    return headers;
  }

  private extraFor(headers: object): Map<string, Record<string, string>> {
    let byType = this.extra.get(headers);
    if (byType === undefined) {
      byType = new Map();
      this.extra.set(headers, byType);
    }
    return byType;
  }
}
