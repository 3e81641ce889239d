import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AccountsOptions } from '../../transports/wire-transport.options.js';
import {
  type ApiCall,
  type ApiReply,
  htmlErrorReply,
  type SimulatedApiHandler,
} from './api-handler.js';
import { FaultInjector } from './fault-injector.js';
import { HttpApiHandler } from './http-api.handler.js';
import { JsonApiHandler } from './json-api.handler.js';
import { normalizeSimulatedNumber, SimulatedProvider } from './simulated-provider.js';
import { SoapApiHandler } from './soap-api.handler.js';
import { XmlApiHandler } from './xml-api.handler.js';
import type {
  InjectedFault,
  PostaGuverciniSimulatorOptions,
  SimulatedMessage,
  SimulatedRequest,
  SimulatedStatus,
  SimulatorBehaviour,
  SimulatorCredentials,
  SimulatorFaultSpec,
  SimulatorProfile,
  SimulatorTlsOptions,
} from './simulator.types.js';

/** Default accounts of the simulator. */
export const SIMULATOR_DEFAULT_ACCOUNTS: Readonly<Record<SimulatorProfile, SimulatorCredentials>> =
  {
    otp: { username: 'otp-user', password: 'otp-secret' },
    bulk: { username: 'bulk-user', password: 'bulk-secret' },
  };
const DEFAULT_CREDIT = 1_000_000;
/** Largest request body read (800 long messages in XML fit easily). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const REASONS: Readonly<Record<number, string>> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

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
  private readonly handlers: readonly SimulatedApiHandler[];
  private readonly host: string;
  private readonly ports: Readonly<Record<SimulatorProfile, number>>;
  private readonly tls: SimulatorTlsOptions | undefined;
  private servers?: Record<SimulatorProfile, Server>;
  private baseUrls?: Record<SimulatorProfile, string>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private recorded: SimulatedRequest[] = [];
  private connections = 0;

  constructor(options: PostaGuverciniSimulatorOptions = {}) {
    super();
    const accounts = {
      otp: checkAccount('otp', options.accounts?.otp ?? SIMULATOR_DEFAULT_ACCOUNTS.otp),
      bulk: checkAccount('bulk', options.accounts?.bulk ?? SIMULATOR_DEFAULT_ACCOUNTS.bulk),
    };
    const credit =
      typeof options.credit === 'number' || options.credit === undefined
        ? { otp: options.credit ?? DEFAULT_CREDIT, bulk: options.credit ?? DEFAULT_CREDIT }
        : {
            otp: options.credit.otp ?? DEFAULT_CREDIT,
            bulk: options.credit.bulk ?? DEFAULT_CREDIT,
          };
    for (const profile of ['otp', 'bulk'] as const) {
      if (!Number.isInteger(credit[profile]) || credit[profile] < 0) {
        throw new RangeError(
          `PostaGuverciniSimulator option "credit" must be an integer ≥ 0, got ${credit[profile]} for ${profile}`,
        );
      }
    }
    const blacklist = new Set<string>();
    for (const number of options.blacklist ?? []) {
      const canonical = normalizeSimulatedNumber(number);
      if (canonical === undefined)
        throw new RangeError(
          `PostaGuverciniSimulator option "blacklist" has a value that is not a Turkish mobile number`,
        );
      blacklist.add(canonical);
    }
    this.provider = new SimulatedProvider(
      accounts,
      credit,
      blacklist,
      options.originator ?? 'SIMULATOR',
      options.now,
    );
    this.provider.on('message', (message: SimulatedMessage) => this.emit('message', message));
    const behaviour = resolveBehaviour(options);
    this.handlers = [
      new HttpApiHandler(this.provider, behaviour),
      new XmlApiHandler(this.provider, behaviour),
      new SoapApiHandler(this.provider, behaviour),
      new JsonApiHandler(this.provider),
    ];
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
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
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
    return this.recorded;
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
    this.recorded = [];
    this.faults.clear();
  }

  private started(): Record<SimulatorProfile, string> {
    if (!this.baseUrls || !this.servers)
      throw new Error('PostaGuverciniSimulator is not running; await sim.start() first');
    return this.baseUrls;
  }

  private createProfileServer(profile: SimulatorProfile): Server {
    const listener = (req: IncomingMessage, res: ServerResponse): void =>
      this.onRequest(profile, req, res);
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

  private onRequest(profile: SimulatorProfile, req: IncomingMessage, res: ServerResponse): void {
    const at = this.provider.nowMs();
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = (queryAt === -1 ? url : url.slice(0, queryAt)).toLowerCase();
    let handler: SimulatedApiHandler | undefined;
    for (const candidate of this.handlers) {
      if (path.startsWith(candidate.prefix)) {
        handler = candidate;
        break;
      }
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const routed = handler?.route(path, req.headers, body);
      if (handler === undefined || routed === undefined) {
        this.answer(res, htmlErrorReply(404, 'Not Found'), 0, {
          profile,
          operation: 'unknown',
          at,
        });
        return;
      }
      if (size > MAX_BODY_BYTES) {
        this.answer(res, htmlErrorReply(413, 'Request Entity Too Large'), 0, {
          profile,
          api: handler.api,
          operation: routed.operation,
          at,
        });
        return;
      }
      const decision = this.faults.decide(profile, handler.api, routed.operation, routed.kind);
      const call: ApiCall = {
        profile,
        method: req.method ?? 'GET',
        query: queryAt === -1 ? '' : url.slice(queryAt + 1),
        headers: req.headers,
        body,
        operation: routed.operation,
      };
      const context = {
        profile,
        api: handler.api,
        operation: routed.operation,
        at,
        fault: decision.fault?.kind ?? (decision.delayMs > 0 ? ('latency' as const) : undefined),
      };
      if (decision.fault?.kind === 'reset') {
        this.later(decision.delayMs, () => {
          this.record({ ...context, recipients: 0, status: 0, providerCode: 'reset' });
          req.socket.destroy();
        });
        return;
      }
      let reply: ApiReply;
      if (decision.fault?.kind === 'http-status') {
        const status = decision.fault.status ?? 503;
        reply = htmlErrorReply(status, REASONS[status] ?? 'Error');
      } else if (decision.fault?.kind === 'provider-error') {
        reply = handler.providerError(call, decision.fault.code);
      } else {
        try {
          reply = handler.handle(call);
        } catch (error) {
          this.emit('internal-error', error);
          reply = htmlErrorReply(500, 'Internal Server Error');
        }
        if (decision.fault?.kind === 'malformed') reply = handler.malformed(reply);
      }
      this.later(decision.delayMs, () => this.answer(res, reply, reply.recipients, context));
    });
  }

  private later(delayMs: number, action: () => void): void {
    if (delayMs <= 0) {
      action();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, delayMs);
    this.timers.add(timer);
  }

  private answer(
    res: ServerResponse,
    reply: ApiReply,
    recipients: number,
    context: RequestContext,
  ): void {
    this.record({ ...context, recipients, status: reply.status, providerCode: reply.providerCode });
    if (res.destroyed) return;
    res.writeHead(reply.status, {
      'content-type': reply.contentType,
      'content-length': reply.body.length,
      ...reply.headers,
    });
    res.end(reply.body);
  }

  private record(
    request: RequestContext & Pick<SimulatedRequest, 'recipients' | 'status' | 'providerCode'>,
  ): void {
    const entry: SimulatedRequest = { ...request, at: new Date(request.at) };
    if (entry.fault === undefined) delete (entry as { fault?: unknown }).fault;
    if (entry.api === undefined) delete (entry as { api?: unknown }).api;
    this.recorded.push(entry);
    if (this.listenerCount('request') > 0) this.emit('request', entry);
  }
}

/** What is known about a request before it is answered; `at` in simulated ms. */
type RequestContext = Omit<SimulatedRequest, 'at' | 'recipients' | 'status' | 'providerCode'> & {
  readonly at: number;
};

function resolveBehaviour(options: PostaGuverciniSimulatorOptions): SimulatorBehaviour {
  const choice = <T extends string>(
    name: string,
    value: T | undefined,
    allowed: readonly T[],
  ): T => {
    if (value === undefined) return allowed[0]!;
    if (!allowed.includes(value))
      throw new RangeError(
        `PostaGuverciniSimulator option "${name}" must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${String(value)}`,
      );
    return value;
  };
  const flag = (name: string, value: boolean | undefined): boolean => {
    if (value !== undefined && typeof value !== 'boolean')
      throw new RangeError(`PostaGuverciniSimulator option "${name}" must be a boolean`);
    return value === true;
  };
  return {
    httpStatusForm: choice('httpStatusForm', options.httpStatusForm, ['code-and-flag', 'code']),
    httpBulkReplyForm: choice('httpBulkReplyForm', options.httpBulkReplyForm, [
      'one-block',
      'per-recipient',
    ]),
    xmlReplyDeclaration: flag('xmlReplyDeclaration', options.xmlReplyDeclaration),
    assumeSoapStatusOperation: flag('assumeSoapStatusOperation', options.assumeSoapStatusOperation),
    assumeSoapManyToManyElementNames: flag(
      'assumeSoapManyToManyElementNames',
      options.assumeSoapManyToManyElementNames,
    ),
  };
}

function checkAccount(
  profile: SimulatorProfile,
  account: SimulatorCredentials,
): SimulatorCredentials {
  if (
    typeof account?.username !== 'string' ||
    account.username === '' ||
    typeof account.password !== 'string' ||
    account.password === ''
  ) {
    throw new RangeError(
      `PostaGuverciniSimulator option "accounts.${profile}" needs a non-empty username and password`,
    );
  }
  return { username: account.username, password: account.password };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
