// bench/transports — the sides being compared: the floor (raw undici `dispatch` with the
// transport's own prebuilt bodies) and the transports themselves (with each HTTP client).
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Agent, type Dispatcher } from 'undici';
import { HttpTransport } from '../../lib/transports/http.transport.js';
import { JsonTransport } from '../../lib/transports/json.transport.js';
import { SoapTransport } from '../../lib/transports/soap.transport.js';
import type { SendResult } from '../../lib/transports/sms-transport.types.js';
import type { WireTransportOptions } from '../../lib/transports/wire-transport.options.js';
import { planSend } from '../../lib/transports/wire/send-plan.js';
import type { WireRequest } from '../../lib/transports/wire/wire-client.js';
import { XmlTransport } from '../../lib/transports/xml.transport.js';
import { Side, type SideEnvironment } from './harness.js';

export const TEXT = 'Doğrulama kodunuz: 482913. Bu kodu kimseyle paylaşmayın.';

/** The exact wire request a transport would send for one OTP message (its own encoder). */
function otpPlan(to: string) {
  return planSend({ channel: 'otp', to: [to], text: TEXT }, undefined);
}
class HttpProbe extends HttpTransport {
  wireFor(to: string): WireRequest {
    return this.prepareSend(this.accountFor('otp'), otpPlan(to)).requests[0]!.wire;
  }
}
class XmlProbe extends XmlTransport {
  wireFor(to: string): WireRequest {
    return this.prepareSend(this.accountFor('otp'), otpPlan(to)).requests[0]!.wire;
  }
}
class SoapProbe extends SoapTransport {
  wireFor(to: string): WireRequest {
    return this.prepareSend(this.accountFor('otp'), otpPlan(to)).requests[0]!.wire;
  }
}
class JsonProbe extends JsonTransport {
  wireFor(to: string): WireRequest {
    return this.prepareSend(this.accountFor('otp'), otpPlan(to)).requests[0]!.wire;
  }
}

export const TRANSPORTS = { http: HttpProbe, xml: XmlProbe, soap: SoapProbe, json: JsonProbe };
export type Api = keyof typeof TRANSPORTS;

/** Distinct OTP recipients: `905` + side digit + 8 digits. */
export function recipient(side: number, i: number): string {
  return `905${side}${String(i).padStart(8, '0')}`;
}

/**
 * The floor: undici `Agent.dispatch` (what the transports use) with the same agent settings as
 * the transports' client (connections, pipelining 1, keep-alive timeouts), the same headers and
 * byte-identical bodies (prebuilt by the transport's own encoder, outside the measured time),
 * and the least a caller must do with the reply: collect its bytes and look at the status.
 */
export function dispatchSide(
  api: Api,
  options: WireTransportOptions,
  count: number,
  connections: number,
): Side {
  const encoder = new TRANSPORTS[api](options);
  const requests = Array.from({ length: count }, (_, i) => {
    const wire = encoder.wireFor(recipient(1, i));
    return {
      origin: wire.origin,
      path: wire.path,
      method: 'POST',
      headers: { 'content-type': wire.contentType, ...wire.headers },
      body: wire.body,
    } satisfies Dispatcher.DispatchOptions;
  });
  void encoder.close();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new Agent({
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: timeoutMs + 1_000,
    bodyTimeout: timeoutMs + 1_000,
    connect: { timeout: timeoutMs },
  });
  return new Side(
    `undici dispatch (${api} bodies)`,
    (i) =>
      new Promise<boolean>((resolve, reject) => {
        let status = 0;
        const chunks: Buffer[] = [];
        agent.dispatch(requests[i]!, {
          onRequestStart() {},
          onResponseStart(_controller, statusCode) {
            status = statusCode;
          },
          onResponseData(_controller, chunk) {
            chunks.push(chunk);
          },
          onResponseEnd() {
            const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
            resolve(status === 200 && body.length > 0);
          },
          onResponseError(_controller, error) {
            reject(error);
          },
        });
      }),
    () => agent.close(),
  );
}

/**
 * The transport itself: validation, encoding, its client, reply parsing, typed result. Each
 * message is a request object built per send, as a caller builds it; its recipient numbers
 * (`count` of them) are generated before the clock starts, as the floor's bodies are.
 */
export function transportSide(
  api: Api,
  options: WireTransportOptions,
  label = `${api} transport`,
  environment?: SideEnvironment,
  count = 0,
): Side {
  const transport = new TRANSPORTS[api](options);
  const numbers = Array.from({ length: count }, (_, i) => recipient(2, i));
  return new Side(
    label,
    (i) => transport.send({ channel: 'otp', to: [numbers[i] ?? recipient(2, i)], text: TEXT }),
    () => transport.close(),
    environment,
    (result) => (result as SendResult).recipients[0]!.status === 'accepted',
  );
}

/**
 * The OpenTelemetry SDK as an application registers it (meter provider with a reader that only
 * exports on demand, tracer provider with a batch processor into a discarding exporter, async
 * context manager), registered only while its side sends.
 */
export function openTelemetrySdk(): SideEnvironment {
  class OnDemandReader extends MetricReader {
    protected override onShutdown(): Promise<void> {
      return Promise.resolve();
    }
    protected override onForceFlush(): Promise<void> {
      return Promise.resolve();
    }
  }
  const discard = {
    export: (_spans: unknown, done: (result: { code: 0 }) => void) => done({ code: 0 }),
    shutdown: () => Promise.resolve(),
  };
  const meterProvider = new MeterProvider({ readers: [new OnDemandReader()] });
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(discard)],
  });
  const contextManager = new AsyncLocalStorageContextManager();
  return {
    enter() {
      context.setGlobalContextManager(contextManager.enable());
      metrics.setGlobalMeterProvider(meterProvider);
      trace.setGlobalTracerProvider(tracerProvider);
    },
    leave() {
      metrics.disable();
      trace.disable();
      context.disable();
    },
  };
}
