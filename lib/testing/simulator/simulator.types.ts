import type { SmsEncoding } from '../../message/sms-text.js';

/** Host profile: the OTP host (`otpsms.…`) or the bulk host (`www.…`). */
export type SimulatorProfile = 'otp' | 'bulk';

/** API family served under each host. */
export type SimulatedApi = 'http' | 'xml' | 'soap' | 'json';

/** Kinds of injectable faults. */
export type SimulatorFaultKind =
  'latency' | 'http-status' | 'reset' | 'malformed' | 'provider-error';

/** Key and certificate of a simulator that serves HTTPS (PEM strings or buffers). */
export interface SimulatorTlsOptions {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** Also ask for a client certificate signed by this CA, and refuse connections without one. */
  readonly requestClientCertificateCa?: string | Buffer;
}

/** Username and password of one account the simulator accepts. */
export interface SimulatorCredentials {
  readonly username: string;
  readonly password: string;
}

/** Options of `new PostaGuverciniSimulator()`. */
export interface PostaGuverciniSimulatorOptions {
  /**
   * Accounts the simulator accepts, one per host profile.
   * @default { otp: { username: 'otp-user', password: 'otp-secret' }, bulk: { username: 'bulk-user', password: 'bulk-secret' } }
   */
  readonly accounts?: { readonly otp?: SimulatorCredentials; readonly bulk?: SimulatorCredentials };
  /**
   * Starting credit, for both accounts or per account.
   * @default 1_000_000
   */
  readonly credit?: number | { readonly otp?: number; readonly bulk?: number };
  /**
   * External clock. The simulated time is this clock plus whatever `advance()`/`setNow()` added.
   * @default () => new Date()
   */
  readonly now?: () => Date;
  /**
   * Numbers that opted out of marketing (any common form). Bulk profile only: a message to one
   * of them is accepted and then gets status `-242`.
   * @default []
   */
  readonly blacklist?: readonly string[];
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * Serve HTTPS instead of plain HTTP, with this key and certificate (PEM). For tests of custom
   * certificate authorities, client certificates and proxies that tunnel TLS; the base URLs
   * then start with `https://`.
   */
  readonly tls?: SimulatorTlsOptions;
  /**
   * Port of the OTP host profile; 0 picks a free port.
   * @default 0
   */
  readonly otpPort?: number;
  /**
   * Port of the bulk host profile; 0 picks a free port.
   * @default 0
   */
  readonly bulkPort?: number;
  /**
   * Alphanumeric originator (sender title) of both accounts, answered by the originator
   * queries (XML `Id_chkreq.asp`, SOAP `IdCheck`).
   * @default 'SIMULATOR'
   */
  readonly originator?: string;
  /**
   * How `querysms.asp` writes `status`. Both forms are attested by clients (reference §12):
   * `'code-and-flag'` answers `status=400|1` (the XML API's `CODE|F`), `'code'` a bare
   * `status=400`.
   * @default 'code-and-flag'
   */
  readonly httpStatusForm?: HttpStatusForm;
  /**
   * Layout of a `sendbulksms.asp` reply, which the reference leaves open (§2.4, §12).
   * `'one-block'`: `errno=0&errtext=&message_id=A&message_id=B&charge=2`, and an invalid number
   * fails the whole request (`-1003`). `'per-recipient'`: one
   * `errno/errtext/message_id/charge` block per number, and an invalid number fails only its
   * own block.
   * @default 'one-block'
   */
  readonly httpBulkReplyForm?: HttpBulkReplyForm;
  /**
   * Whether XML API replies start with `<?xml version="1.0" encoding="iso-8859-9"?>`. The
   * official document's examples have no declaration (reference §12).
   * @default false
   */
  readonly xmlReplyDeclaration?: boolean;
  /**
   * **Assumption**, off by default: serve a SOAP `SmsStatus` operation (`Username`,
   * `Password`, `MessageIds` → one `CODE|F` per id). No client, proxy or WSDL shows a SOAP
   * status operation (reference §12); without this option the simulator answers it as ASMX
   * answers an unknown operation: a `soap:Client` fault with HTTP 500.
   * @default false
   */
  readonly assumeSoapStatusOperation?: boolean;
  /**
   * **Assumption**, off by default: read `SmsInsert_N_N`'s parameters as `Recepients` and
   * `Messages` (parallel `ArrayOfString`). The operation is attested, its parameter names are
   * not (reference §4.2, §12); without this option the simulator answers it with a
   * `soap:Server` fault (HTTP 500) that says so.
   * @default false
   */
  readonly assumeSoapManyToManyElementNames?: boolean;
}

/** See `PostaGuverciniSimulatorOptions.httpStatusForm`. */
export type HttpStatusForm = 'code-and-flag' | 'code';
/** See `PostaGuverciniSimulatorOptions.httpBulkReplyForm`. */
export type HttpBulkReplyForm = 'one-block' | 'per-recipient';

/** The reply forms and assumptions a simulator was built with, resolved. */
export interface SimulatorBehaviour {
  readonly httpStatusForm: HttpStatusForm;
  readonly httpBulkReplyForm: HttpBulkReplyForm;
  readonly xmlReplyDeclaration: boolean;
  readonly assumeSoapStatusOperation: boolean;
  readonly assumeSoapManyToManyElementNames: boolean;
}

/** One message the simulator accepted (one recipient of a request). */
export interface SimulatedMessage {
  /** `C1_` + upper-case GUID. */
  readonly id: string;
  readonly profile: SimulatorProfile;
  readonly api: SimulatedApi;
  /** Canonical recipient `905XXXXXXXXX`. */
  readonly to: string;
  /** The text exactly as the simulator decoded it. */
  readonly text: string;
  /** Scheduled send time in effect (bulk only; the OTP host ignores it and sends at once). */
  readonly sendAt?: Date;
  /** Validity in effect: as asked on the bulk host, always `createdAt` + 180 s on the OTP host. */
  readonly validUntil?: Date;
  /** What the request asked for, before the host profile's rules applied. */
  readonly requested: { readonly sendAt?: Date; readonly validUntil?: Date };
  /** Originator the request asked for, if any. */
  readonly sender?: string;
  readonly createdAt: Date;
  readonly encoding: SmsEncoding;
  readonly segments: number;
  /**
   * Credits deducted for this message: its segment count, or 0 when it was refused after
   * acceptance (duplicate, blacklist, invalid validity, too long) or waits for credit.
   */
  readonly charge: number;
}

/** One HTTP request the simulator answered (or reset). */
export interface SimulatedRequest {
  readonly profile: SimulatorProfile;
  /** `undefined` for a path no API serves (answered 404). */
  readonly api?: SimulatedApi;
  /**
   * Operation as the API names it: `sendsms`, `sendbulksms`, `querysms`, `querycredit` (HTTP);
   * `Sms_insreq`, `Sms_stareq`, `Sms_stareqx`, `Cre_balreq`, `Id_chkreq` (XML);
   * `SmsInsert_1_N`, `SmsInsert_N_N`, `CreditBalance`, `IdCheck` (SOAP; `SmsStatus` only with
   * `assumeSoapStatusOperation`);
   * `Send_1_N`, `Send_N_N`, `Status`, `CreditBalance` (JSON); `unknown` otherwise.
   */
  readonly operation: string;
  /** Recipients (send) or message ids (status) in the request; 0 when unparsable. */
  readonly recipients: number;
  /** HTTP status answered; 0 when the connection was reset instead. */
  readonly status: number;
  /** Request-level provider code answered (`0`, `-1003`, `ERR1050`, `200`, `1070`, `fault`…). */
  readonly providerCode: string;
  /** The injected fault that shaped the answer, if any. */
  readonly fault?: SimulatorFaultKind;
  /** Simulated time the request arrived. */
  readonly at: Date;
}

/** A delivery state as the provider reports it. */
export interface SimulatedStatus {
  /** Provider status code: `110`, `120`, `200`, `300`, `400`, `-202`, `-210`, … */
  readonly code: number;
  /** Whether the state will not change any more (the `|1` of `400|1`). */
  readonly final: boolean;
}

/** A fault to inject; see `PostaGuverciniSimulator.injectFault`. */
export interface SimulatorFaultSpec {
  readonly kind: SimulatorFaultKind;
  /** `latency`: delay before the answer, in ms. @default 1000 */
  readonly ms?: number;
  /** `http-status`: the HTTP status to answer with. @default 503 */
  readonly status?: number;
  /**
   * `provider-error`: the code to answer with, in the API's own shape (`errno=<code>`,
   * `<ERROR><code> …</ERROR>`, one SOAP result entry, JSON `StatusCode`).
   * @default '-2001' (HTTP, SOAP), 'ERR1010' (XML), 1010 (JSON)
   */
  readonly code?: string | number;
  /** Only requests to this host profile. @default both */
  readonly profile?: SimulatorProfile;
  /** Only requests to this API. @default all */
  readonly api?: SimulatedApi;
  /**
   * Only this operation: an API's own name (`sendsms`, `Sms_insreq`, `SmsInsert_1_N`,
   * `Send_1_N`, case-insensitive) or a kind common to all APIs: `send`, `status`, `credit`.
   * @default all
   */
  readonly operation?: string;
  /** How many matching requests it affects; `Infinity` = until `clearFaults()`. @default 1 */
  readonly times?: number;
}

/** Handle of an injected fault. */
export interface InjectedFault {
  readonly spec: SimulatorFaultSpec;
  /** Matching requests it has affected so far. */
  readonly hits: number;
  /** Matching requests it will still affect. */
  readonly remaining: number;
}
