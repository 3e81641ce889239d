// The connectivity options of the wire transports (proxy, TLS, own axios instance) and their
// resolved forms. Types only, imported by the options interfaces without pulling in the checks.

/**
 * Egress proxy of the built-in client: a proxy URL (`http://proxy.bank.local:3128`, optionally
 * with `user:password@` — never logged or shown), or `'env'` to follow `HTTPS_PROXY` /
 * `HTTP_PROXY` / `NO_PROXY` (and their lower-case forms) as they are when the transport is
 * created. HTTPS to the provider is tunnelled with `CONNECT`, so the proxy never sees the
 * request body or the credentials in it.
 */
export type ProxyOption = string;

/** A PEM certificate or key, as a string or a buffer. */
export type PemInput = string | Buffer;

/**
 * TLS settings of the built-in client for the provider's hosts (and for an `https://` proxy).
 */
export interface TlsOptions {
  /**
   * Certificate authorities to trust **instead of** Node's bundled roots, e.g. the CA of a
   * TLS-inspecting egress proxy (add Node's `tls.rootCertificates` yourself if you need both).
   */
  readonly ca?: PemInput | readonly PemInput[];
  /** Client certificate chain (mutual TLS), PEM. Needs `key`. */
  readonly cert?: PemInput | readonly PemInput[];
  /** Private key of `cert`, PEM. */
  readonly key?: PemInput | readonly PemInput[];
  /**
   * `false` accepts any server certificate. Refused unless every base URL is loopback
   * (a local simulator behind a throwaway certificate).
   * @default true
   */
  readonly rejectUnauthorized?: boolean;
}

/**
 * The part of an axios instance the package uses: `request(config)`. An `AxiosInstance`
 * (`axios.create()`, `HttpService.axiosRef` from `@nestjs/axios`) fits; the package never
 * imports axios itself.
 */
export interface AxiosLikeInstance {
  request(config: AxiosLikeRequestConfig): Promise<AxiosLikeResponse>;
}

/** The request config the package hands to `httpClient.request()`. */
export interface AxiosLikeRequestConfig {
  readonly url: string;
  readonly method: 'POST';
  readonly headers: Record<string, string>;
  readonly data: Buffer | string;
  readonly timeout: number;
  readonly responseType: 'arraybuffer';
  readonly maxRedirects: 0;
  readonly maxContentLength: number;
  readonly validateStatus: (status: number) => boolean;
  readonly transformRequest: ((data: unknown) => unknown)[];
  readonly transformResponse: ((data: unknown) => unknown)[];
  readonly signal: AbortSignal;
}

/** What the package reads of an axios response. */
export interface AxiosLikeResponse {
  readonly status: number;
  readonly data?: unknown;
  readonly headers?: unknown;
}

/** Connectivity options of a wire transport (see `WireTransportOptions`). */
export interface ConnectivityOptions {
  readonly proxy?: ProxyOption;
  readonly tls?: TlsOptions;
  readonly httpClient?: AxiosLikeInstance;
}

/** A checked proxy setting. `url` may hold credentials: never log it; use `display`. */
export type ResolvedProxy =
  | { readonly mode: 'url'; readonly url: string; readonly display: string }
  | { readonly mode: 'env'; readonly display: 'env' };

/** A checked TLS setting, in Node's `tls.connect` shape. */
export interface ResolvedTls {
  readonly ca?: PemInput | PemInput[];
  readonly cert?: PemInput | PemInput[];
  readonly key?: PemInput | PemInput[];
  readonly rejectUnauthorized?: boolean;
}

/** Checked connectivity options. */
export interface ResolvedConnectivity {
  readonly proxy?: ResolvedProxy;
  readonly tls?: ResolvedTls;
  readonly httpClient?: AxiosLikeInstance;
}
