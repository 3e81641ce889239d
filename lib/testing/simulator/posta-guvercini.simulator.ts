import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AccountsOptions } from '../../transports/wire-transport.options.js';
import { FaultInjector } from './fault-injector.js';
import { HttpApiHandler } from './http-api.handler.js';
import { JsonApiHandler } from './json-api.handler.js';
import { normalizeSimulatedNumber, type SimulatedProvider } from './simulated-provider.js';
import { closeServer, listen } from './simulator-net.js';
import { SimulatorRequests } from './simulator-requests.js';
import { createSimulatedProvider, resolveBehaviour } from './simulator-setup.js';
import { SoapApiHandler } from './soap-api.handler.js';
import type {
  InjectedFault,
  PostaGuverciniSimulatorOptions,
  SimulatedMessage,
  SimulatedRequest,
  SimulatedStatus,
  SimulatorFaultSpec,
  SimulatorProfile,
  SimulatorTlsOptions,
} from './simulator.types.js';
import { XmlApiHandler } from './xml-api.handler.js';

export { SIMULATOR_DEFAULT_ACCOUNTS } from './simulator-setup.js';

/**
 * A local Posta Güvercini: the HTTP, XML, SOAP (1.1 and 1.2) and JSON APIs on two host profiles (OTP and
 * bulk), each on its own port of `127.0.0.1`, strict like the real server, with delivery
 * states on a controllable clock, credit, a record of every request and message, and fault
 * injection. For tests, benchmarks, the sample app and local development; `posta-guvercini-simulator`
 * starts it from the command line.
 *
 * ```ts
 * const sim = new PostaGuverciniSimulator();
 * await sim.start();
 * // PostaGuverciniModule.forRoot({ transport: 'xml', accounts: sim.accounts })
 * sim.lastMessageTo('05321234567')?.text;
 * sim.advance(4_000); // → 400|1 delivered
 * await sim.stop();
 * ```
 *
 * ## Behaviour where the reference is silent ([INF]/[UNK] decisions)
 *
 * | topic | decision |
 * |---|---|
 * | APIs per host | all four APIs on both profiles (vendor overview: "one to one"); the credentials of one profile are unknown on the other |
 * | message id | `C1_` + upper-case GUID |
 * | numbers | every API accepts any common form: non-digits stripped, then `00`, then `90` or `0`; `5` + 9 digits must remain |
 * | per-request limit | 800 recipients / messages / status ids on every API |
 * | charge | segments × recipients (GSM-7 160/153, UCS-2 70/67); only delivered-bound messages are charged (`-2xx` and waiting ones cost 0) |
 * | text caps | GSM-7 ≤ 480 chars, UCS-2 ≤ 268 chars. HTTP: `errno=-1004`. XML/SOAP/JSON: accepted, final status `-205` (GSM-7) / `-447` (UCS-2) |
 * | empty text | whitespace-only counts as empty |
 * | status lifecycle | `200` at acceptance, `300` after 2 s, `400\|1` after 4 s (the vendor's averages); `120` until a bulk send time; `-210` when validity ends before delivery; `412\|1` (unreachable) in place of `400` for a number given to `setUndeliverable()` |
 * | bulk profile | duplicate (same number + text within 60 s, also inside one request) → `-202`; blacklist → `-242`; validity not after the send time or > 24 h after it → `-203`; a past send time means now; default validity 24 h |
 * | OTP profile | send time ignored (sent now), validity always 180 s, no duplicate check, no blacklist |
 * | credit | HTTP: whole request `errno=20` when the credit does not cover it. XML/SOAP/JSON: accepted; messages not covered wait with `110` (→ `-220` when validity ends), in request order |
 * | HTTP charset | form/query values are percent-decoded as **windows-1254**: byte-identical to ISO-8859-9 for every printable ISO-8859-9 character, plus `— – ‘ ’ “ ” … € •` at 0x80–0x9F (classic ASP on Turkish Windows decodes with code page 1254). A UTF-8 percent-encoding arrives as mojibake, as on the real server |
 * | HTTP params | query string + form body merged (ASP `Request("x")`); repeated `gsm` and comma-separated lists both accepted; `sendsms.asp` with more than one number → `-1003`; keys it does not know (`originator`, `sender`, …) ignored as classic ASP does; a body is read only when its Content-Type is form-urlencoded or absent |
 * | HTTP errors | check order: credentials (`-1001`/`-1002`), > 800 (`1070`), numbers (`-1003`, any invalid → whole request), text (`-1004`), `dt` (`1063`), `dt2` (`1064`), credit (`20`); `querysms.asp` unknown id → `-1005` |
 * | HTTP reply | `text/html; charset=iso-8859-9`, values unescaped (they never contain `&` or `=`), Turkish `errtext`; `querysms.asp` status `CODE\|F` or a bare code (`httpStatusForm`); `sendbulksms.asp` one block or one block per recipient (`httpBulkReplyForm`; per recipient, an invalid number fails only its block) |
 * | XML charset | byte-order mark, else the declaration's `encoding`, else UTF-8 (XML 1.0); the Content-Type charset never overrides the body; numeric character references (`&#8212;`) decoded, so any character can travel; attribute values normalised as XML requires (literal tab/CR/LF → space: send `&#10;`) |
 * | XML errors | `ERR<family><kind>`: family 1 `Sms_insreq`, 2 `Sms_stareq(x)`, 7 `Cre_balreq`, 8 `Id_chkreq` (S1's families); kind 001 credentials, 050 malformed, 060 no receivers, 063 `dt`, 064 `dt2`, 070 > 800, 090 empty text; text `ERRnnnn <Turkish text>` |
 * | XML send | `INSERT` and `INSERTMSG` together, two `INSERTMSG`, or unknown children → `050`; an invalid number → `<INSERT id="" res="0"/>` in place |
 * | XML status | unknown id → `420\|1`, another account's id → `-20\|1`; `Sms_stareqx` adds `gsmno` (10 digits, empty when unknown) |
 * | XML reply | ISO-8859-9, no whitespace between tags, no `<?xml?>` declaration as in the official document (`xmlReplyDeclaration` adds one) |
 * | SOAP | SOAP 1.1 (`text/xml` + `SOAPAction`) and 1.2 (`application/soap+xml`, operation from `action` or the body element); an envelope of the other version → `VersionMismatch` fault, another media type 415; the action must name the body's operation; namespace with or without trailing `/`; only `SmsInsert_1_N`, `CreditBalance`, `IdCheck` and (under `assumeSoapManyToManyElementNames`, else a `soap:Server` fault) `SmsInsert_N_N`; `SmsStatus` only under `assumeSoapStatusOperation`, else a `soap:Client` fault as for any unknown operation; dates `xsd:dateTime` (no zone = Istanbul time), absent/`xsi:nil` = none, empty or unparsable → `soap:Client` fault, HTTP 500 (ASMX deserialisation); request-level errors as one entry (`-1001`, `-1002`, `ERR1060`, `ERR1070`, `ERR1080`, `ERR1090`); `CreditBalance` answers `-1001`/`-1002` in place of the number |
 * | JSON | POST only (else 405), `application/json` only (else 415), property names bound case-insensitively as Json.NET does; not JSON / wrong types → `StatusCode 400`; credentials → `500`; `Channel` must be `OTP`/`BULK` when given (the host decides the rules); invalid receiver → `1061` whole request; `StatusTime` `yyyy-MM-ddTHH:mm:ss` Istanbul = when the current state began; unknown id → `SmsStatus ""`, `"Bilinmiyor ?"` |
 * | JSON N-N | an item without `Receiver` → `1061`, without `Message` → `1090`; `1080` cannot happen (pairs); `Receiver` in the result is echoed as sent; `Originator` recorded as `sender` |
 * | faults | `latency` delays the answer (the request is processed first); `http-status` and `reset` happen without processing (reset after the body was read); `malformed` processes, then answers a truncated body (XML/SOAP/JSON) or a classic-ASP error page (HTTP) with 200; `provider-error` answers the API's error shape without processing |
 */
export class PostaGuverciniSimulator extends EventEmitter {
  private readonly provider: SimulatedProvider;
  private readonly faults = new FaultInjector();
  private readonly pipeline: SimulatorRequests;
  private readonly host: string;
  private readonly ports: Readonly<Record<SimulatorProfile, number>>;
  private readonly tls: SimulatorTlsOptions | undefined;
  private servers?: Record<SimulatorProfile, Server>;
  private baseUrls?: Record<SimulatorProfile, string>;
  private connections = 0;

  constructor(options: PostaGuverciniSimulatorOptions = {}) {
    super();
    this.provider = createSimulatedProvider(options);
    this.provider.on('message', (message: SimulatedMessage) => this.emit('message', message));
    const behaviour = resolveBehaviour(options);
    const handlers = [
      new HttpApiHandler(this.provider, behaviour),
      new XmlApiHandler(this.provider, behaviour),
      new SoapApiHandler(this.provider, behaviour),
      new JsonApiHandler(this.provider),
    ];
    this.pipeline = new SimulatorRequests(this.provider, this.faults, handlers, this);
    this.host = options.host ?? '127.0.0.1';
    this.ports = { otp: options.otpPort ?? 0, bulk: options.bulkPort ?? 0 };
    if (options.tls !== undefined && (!options.tls.key || !options.tls.cert)) {
      throw new RangeError('PostaGuverciniSimulator option "tls" needs a key and a cert (PEM)');
    }
    this.tls = options.tls;
  }

  /** Starts both servers. */
  async start(): Promise<void> {
    if (this.servers) throw new Error('PostaGuverciniSimulator is already started');
    const servers = {
      otp: this.createProfileServer('otp'),
      bulk: this.createProfileServer('bulk'),
    };
    try {
      await Promise.all(
        (['otp', 'bulk'] as const).map((profile) =>
          listen(servers[profile], this.ports[profile], this.host),
        ),
      );
    } catch (error) {
      await Promise.all(Object.values(servers).map((server) => closeServer(server)));
      throw error;
    }
    this.servers = servers;
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    const scheme = this.tls ? 'https' : 'http';
    this.baseUrls = {
      otp: `${scheme}://${host}:${(servers.otp.address() as AddressInfo).port}`,
      bulk: `${scheme}://${host}:${(servers.bulk.address() as AddressInfo).port}`,
    };
  }

  /** Stops both servers, closes every connection and cancels pending (delayed) answers. */
  async stop(): Promise<void> {
    this.pipeline.cancelPending();
    const servers = this.servers;
    this.servers = undefined;
    if (servers) await Promise.all(Object.values(servers).map((server) => closeServer(server)));
  }

  /** Base URL of the OTP host profile, e.g. `http://127.0.0.1:40123` (`https://` with `tls`). */
  get otpBaseUrl(): string {
    return this.started().otp;
  }

  /** Base URL of the bulk host profile. */
  get bulkBaseUrl(): string {
    return this.started().bulk;
  }

  /** Both accounts with their base URLs: pass as `accounts` in the module options. */
  get accounts(): AccountsOptions {
    const urls = this.started();
    return {
      otp: { ...this.provider.accounts.otp, baseUrl: urls.otp },
      bulk: { ...this.provider.accounts.bulk, baseUrl: urls.bulk },
    };
  }

  /** Every message accepted so far, in order. */
  get messages(): readonly SimulatedMessage[] {
    return this.provider.messages;
  }

  /** Every request answered (or reset) so far, in order. */
  get requests(): readonly SimulatedRequest[] {
    return this.pipeline.requests;
  }

  /** TCP connections accepted so far on both ports. */
  get connectionsOpened(): number {
    return this.connections;
  }

  /** The last message to a number (any common form), optionally on one profile. */
  lastMessageTo(phone: string, profile?: SimulatorProfile): SimulatedMessage | undefined {
    const canonical = normalizeSimulatedNumber(phone);
    return canonical === undefined ? undefined : this.provider.lastMessageTo(canonical, profile);
  }

  /** Current delivery state of a message; `undefined` for an unknown id. */
  statusOf(id: string): SimulatedStatus | undefined {
    const status = this.provider.statusOf(id);
    return status && { code: status.code, final: status.final };
  }

  /** Current simulated time. */
  now(): Date {
    return new Date(this.provider.nowMs());
  }

  /** Moves the simulated clock forward. */
  advance(ms: number): void {
    this.provider.advance(ms);
  }

  /** Sets the simulated clock. */
  setNow(date: Date): void {
    this.provider.setNow(date);
  }

  /**
   * Makes numbers unreachable (any common form): their messages are accepted and go `200` →
   * `300` like any other, then end `412` (not delivered: subscriber unreachable, final) when
   * they would have been delivered. Kept across `reset()`; `clearUndeliverable()` undoes it.
   */
  setUndeliverable(...numbers: string[]): void {
    for (const number of numbers) {
      const canonical = normalizeSimulatedNumber(number);
      if (canonical === undefined)
        throw new RangeError('setUndeliverable() takes Turkish mobile numbers');
      this.provider.undeliverable.add(canonical);
    }
  }

  /** Makes every number reachable again. */
  clearUndeliverable(): void {
    this.provider.undeliverable.clear();
  }

  creditOf(profile: SimulatorProfile): number {
    return this.provider.creditOf(profile);
  }

  setCredit(profile: SimulatorProfile, credit: number): void {
    this.provider.setCredit(profile, credit);
  }

  /**
   * Makes the next matching request(s) misbehave. Faults apply in the order injected: per
   * request the first matching `latency` and the first matching fault of another kind.
   */
  injectFault(spec: SimulatorFaultSpec): InjectedFault {
    return this.faults.add(spec);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Forgets messages, requests and faults and restores the starting credit (the clock and connection count stay). */
  reset(): void {
    this.provider.reset();
    this.pipeline.reset();
    this.faults.clear();
  }

  private started(): Record<SimulatorProfile, string> {
    if (!this.baseUrls || !this.servers)
      throw new Error('PostaGuverciniSimulator is not running; await sim.start() first');
    return this.baseUrls;
  }

  private createProfileServer(profile: SimulatorProfile): Server {
    const listener = (req: IncomingMessage, res: ServerResponse): void =>
      this.pipeline.onRequest(profile, req, res);
    const tls = this.tls;
    const server: Server = tls
      ? createHttpsServer(
          {
            keepAlive: true,
            key: tls.key,
            cert: tls.cert,
            ...(tls.requestClientCertificateCa !== undefined
              ? { ca: tls.requestClientCertificateCa, requestCert: true, rejectUnauthorized: true }
              : {}),
          },
          listener,
        )
      : createServer({ keepAlive: true }, listener);
    server.keepAliveTimeout = 30_000;
    server.on('connection', () => {
      this.connections++;
    });
    return server;
  }
}
