#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PostaGuverciniSimulator } from './posta-guvercini.simulator.js';
import type { SimulatedMessage } from './simulator.types.js';
import { formatSimulatedMessage, SimulatorOutboxServer } from './simulator-outbox.js';

/** Default ports: stable, so an app's `.env` can name them (`http://127.0.0.1:4010`). */
export const SIMULATOR_CLI_DEFAULT_PORTS = { otp: 4010, bulk: 4020, outbox: 4000 } as const;

const USAGE = `Usage: posta-guvercini-simulator [options]

Starts a local Posta Güvercini (HTTP, XML, SOAP and JSON APIs) with an OTP and a bulk host,
prints every SMS it accepts and serves an outbox page, for local development.

Options:
  --otp-port <n>     port of the OTP host (default: ${SIMULATOR_CLI_DEFAULT_PORTS.otp}; 0 picks a free port)
  --bulk-port <n>    port of the bulk host (default: ${SIMULATOR_CLI_DEFAULT_PORTS.bulk}; 0 picks a free port)
  --outbox-port <n>  port of the outbox page and JSON list (default: ${SIMULATOR_CLI_DEFAULT_PORTS.outbox}; 0 picks a free port)
  --host <addr>      interface to listen on (default: 127.0.0.1)
  --credit <n>       starting credit of each account (default: 1000000)
  --latency <ms>     answer every request after this delay (default: 0)
  --quiet            do not print the SMS
  --http-status-form <code-and-flag|code>
                     querysms.asp status as 400|1 or a bare 400 (default: code-and-flag)
  --http-bulk-reply-form <one-block|per-recipient>
                     sendbulksms.asp reply layout (default: one-block)
  --xml-reply-declaration
                     start XML API replies with <?xml …?> (default: none, as the official doc)
  --assume-soap-status-operation
                     ASSUMPTION: serve a SOAP SmsStatus operation (unattested; default: fault)
  --assume-soap-n-n-element-names
                     ASSUMPTION: read SmsInsert_N_N as Recepients + Messages (unattested)
  -h, --help         show this help
`;

export interface SimulatorCliIo {
  /** Where the banner and every SMS are printed. */
  readonly out: { write(text: string): unknown };
  /** Stop on SIGINT/SIGTERM. @default true */
  readonly handleSignals?: boolean;
}

/** A running CLI simulator. */
export interface RunningSimulatorCli {
  readonly simulator: PostaGuverciniSimulator;
  /** Base URL of the outbox page (`GET /`) and JSON list (`GET /messages`). */
  readonly outboxUrl: string;
  stop(): Promise<void>;
}

/** Thrown for bad command-line arguments; the message is meant for the terminal. */
export class SimulatorCliUsageError extends Error {
  override readonly name = 'SimulatorCliUsageError';
}

/**
 * Thrown when a port is taken; the message is one line naming the port and the option that
 * changes it.
 */
export class SimulatorCliPortInUseError extends Error {
  override readonly name = 'SimulatorCliPortInUseError';
}

/**
 * Runs the simulator CLI: parses the arguments, starts the simulator and its outbox page,
 * prints both base URLs and the (simulated) credentials, then one line per SMS as it arrives
 * (host profile, masked number, full text), and stops cleanly on SIGINT/SIGTERM. Returns
 * `undefined` after `--help`.
 */
export async function main(
  args: readonly string[],
  io: SimulatorCliIo = { out: process.stdout },
): Promise<RunningSimulatorCli | undefined> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        'otp-port': { type: 'string' },
        'bulk-port': { type: 'string' },
        'outbox-port': { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        credit: { type: 'string' },
        'http-status-form': { type: 'string' },
        'http-bulk-reply-form': { type: 'string' },
        'xml-reply-declaration': { type: 'boolean', default: false },
        'assume-soap-status-operation': { type: 'boolean', default: false },
        'assume-soap-n-n-element-names': { type: 'boolean', default: false },
        latency: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new SimulatorCliUsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    io.out.write(USAGE);
    return undefined;
  }
  const ports = {
    otp: integer('--otp-port', values['otp-port'], 0, 65_535) ?? SIMULATOR_CLI_DEFAULT_PORTS.otp,
    bulk:
      integer('--bulk-port', values['bulk-port'], 0, 65_535) ?? SIMULATOR_CLI_DEFAULT_PORTS.bulk,
    outbox:
      integer('--outbox-port', values['outbox-port'], 0, 65_535) ??
      SIMULATOR_CLI_DEFAULT_PORTS.outbox,
  };
  const latency = integer('--latency', values.latency, 0, 600_000) ?? 0;
  const simulator = new PostaGuverciniSimulator({
    host: values.host,
    otpPort: ports.otp,
    bulkPort: ports.bulk,
    credit: integer('--credit', values.credit, 0, Number.MAX_SAFE_INTEGER),
    httpStatusForm: choice('--http-status-form', values['http-status-form'], [
      'code-and-flag',
      'code',
    ]),
    httpBulkReplyForm: choice('--http-bulk-reply-form', values['http-bulk-reply-form'], [
      'one-block',
      'per-recipient',
    ]),
    xmlReplyDeclaration: values['xml-reply-declaration'],
    assumeSoapStatusOperation: values['assume-soap-status-operation'],
    assumeSoapManyToManyElementNames: values['assume-soap-n-n-element-names'],
  });
  const applyLatency = (): void => {
    if (latency > 0) simulator.injectFault({ kind: 'latency', ms: latency, times: Infinity });
  };
  // DELETE /messages resets the simulator, faults included: keep --latency in force.
  const outbox = new SimulatorOutboxServer(simulator, applyLatency);
  try {
    await simulator.start();
  } catch (error) {
    throw portInUse(error, ports) ?? error;
  }
  try {
    await outbox.start(ports.outbox, values.host);
  } catch (error) {
    await simulator.stop();
    throw portInUse(error, ports, 'outbox') ?? error;
  }
  applyLatency();
  const accounts = simulator.accounts;
  io.out.write(
    [
      'Posta Güvercini simulator is running.',
      `  OTP host:  ${simulator.otpBaseUrl}  (username ${accounts.otp!.username}, password ${accounts.otp!.password})`,
      `  bulk host: ${simulator.bulkBaseUrl}  (username ${accounts.bulk!.username}, password ${accounts.bulk!.password})`,
      `  outbox:    ${outbox.url}  (JSON: ${outbox.url}/messages)`,
      `  credit:    ${simulator.creditOf('otp')} (OTP), ${simulator.creditOf('bulk')} (bulk)`,
      ...(values['assume-soap-status-operation'] || values['assume-soap-n-n-element-names']
        ? [
            `  assumptions (not attested by any client): ${[
              values['assume-soap-status-operation'] ? 'SOAP SmsStatus' : '',
              values['assume-soap-n-n-element-names'] ? 'SmsInsert_N_N element names' : '',
            ]
              .filter(Boolean)
              .join(', ')}`,
          ]
        : []),
      ...(latency > 0 ? [`  latency:   ${latency} ms per request`] : []),
      values.quiet ? 'Press Ctrl+C to stop.' : 'Every SMS is printed below. Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  const onMessage = (message: SimulatedMessage): void => {
    io.out.write(`${formatSimulatedMessage(message)}\n`);
  };
  if (!values.quiet) simulator.on('message', onMessage);

  let stopping: Promise<void> | undefined;
  const onSignal = (): void => {
    void stop().then(() => io.out.write('Simulator stopped.\n'));
  };
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      simulator.off('message', onMessage);
      await Promise.all([simulator.stop(), outbox.stop()]);
    })();
    return stopping;
  };
  if (io.handleSignals ?? true) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return { simulator, outboxUrl: outbox.url, stop };
}

function integer(
  option: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new SimulatorCliUsageError(
      `${option} must be an integer from ${min} to ${max}, got "${value}"\n\n${USAGE}`,
    );
  }
  return number;
}

function choice<T extends string>(
  option: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new SimulatorCliUsageError(
      `${option} must be ${allowed.join(' or ')}, got "${value}"\n\n${USAGE}`,
    );
  }
  return value as T;
}

/** `EADDRINUSE` on one of the ports → a one-line error naming it and the option to change. */
function portInUse(
  error: unknown,
  ports: { readonly otp: number; readonly bulk: number; readonly outbox: number },
  which?: 'outbox',
): SimulatorCliPortInUseError | undefined {
  const { code, port } = (error ?? {}) as { code?: unknown; port?: unknown };
  if (code !== 'EADDRINUSE') return undefined;
  const host = which ?? (port === ports.otp ? 'otp' : port === ports.bulk ? 'bulk' : undefined);
  const busy = typeof port === 'number' ? port : host ? ports[host] : undefined;
  const option = host ? `--${host}-port` : '--otp-port / --bulk-port';
  return new SimulatorCliPortInUseError(
    `Port ${busy ?? '?'} is already in use${host ? ` (${host === 'otp' ? 'OTP host' : host === 'bulk' ? 'bulk host' : 'outbox page'})` : ''}: stop what is using it, or choose another port with ${option} <n> (0 picks a free one).`,
  );
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    const known =
      error instanceof SimulatorCliUsageError || error instanceof SimulatorCliPortInUseError;
    process.stderr.write(
      `${known ? (error as Error).message : String((error as Error)?.stack ?? error)}\n`,
    );
    process.exitCode = error instanceof SimulatorCliUsageError ? 2 : 1;
  });
}
