import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ApiCall,
  type ApiReply,
  htmlErrorReply,
  type SimulatedApiHandler,
} from './api-handler.js';
import type { FaultInjector } from './fault-injector.js';
import type { SimulatedProvider } from './simulated-provider.js';
import type { SimulatedRequest, SimulatorProfile } from './simulator.types.js';

/** Largest request body read (800 long messages in XML fit easily). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const REASONS: Readonly<Record<number, string>> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * The simulator's request pipeline: reads a request's body, routes it to its API handler,
 * applies injected faults, answers (now or after a latency) and records it. Emits `request`
 * (each recorded request) and `internal-error` on the simulator.
 */
export class SimulatorRequests {
  private readonly timers = new Set<NodeJS.Timeout>();
  private recorded: SimulatedRequest[] = [];

  constructor(
    private readonly provider: SimulatedProvider,
    private readonly faults: FaultInjector,
    private readonly handlers: readonly SimulatedApiHandler[],
    private readonly events: EventEmitter,
  ) {}

  /** Every request answered (or reset) so far, in order. */
  get requests(): readonly SimulatedRequest[] {
    return this.recorded;
  }

  /** Forgets the recorded requests. */
  reset(): void {
    this.recorded = [];
  }

  /** Cancels pending (delayed) answers. */
  cancelPending(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  onRequest(profile: SimulatorProfile, req: IncomingMessage, res: ServerResponse): void {
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
          this.events.emit('internal-error', error);
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
    if (this.events.listenerCount('request') > 0) this.events.emit('request', entry);
  }
}

/** What is known about a request before it is answered; `at` in simulated ms. */
type RequestContext = Omit<SimulatedRequest, 'at' | 'recipients' | 'status' | 'providerCode'> & {
  readonly at: number;
};
