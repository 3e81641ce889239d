#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PostaGuverciniSimulator } from './posta-guvercini.simulator.js';

const USAGE = `Usage: posta-guvercini-simulator [options]

Starts a local Posta Güvercini (HTTP, XML, SOAP and JSON APIs) with an OTP and a bulk host.

Options:
  --otp-port <n>   port of the OTP host (default: a free port)
  --bulk-port <n>  port of the bulk host (default: a free port)
  --host <addr>    interface to listen on (default: 127.0.0.1)
  --credit <n>     starting credit of each account (default: 1000000)
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
  -h, --help       show this help
`;

export interface SimulatorCliIo {
  readonly out: { write(text: string): unknown };
  /** Stop on SIGINT/SIGTERM. @default true */
  readonly handleSignals?: boolean;
}

/** A running CLI simulator. */
export interface RunningSimulatorCli {
  readonly simulator: PostaGuverciniSimulator;
  stop(): Promise<void>;
}

/** Thrown for bad command-line arguments; the message is meant for the terminal. */
export class SimulatorCliUsageError extends Error {
  override readonly name = 'SimulatorCliUsageError';
}

/**
 * Runs the simulator CLI: parses the arguments, starts the simulator, prints both base URLs
 * and the (simulated) credentials, and stops cleanly on SIGINT/SIGTERM. Returns `undefined`
 * after `--help`.
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
        host: { type: 'string', default: '127.0.0.1' },
        credit: { type: 'string' },
        'http-status-form': { type: 'string' },
        'http-bulk-reply-form': { type: 'string' },
        'xml-reply-declaration': { type: 'boolean', default: false },
        'assume-soap-status-operation': { type: 'boolean', default: false },
        'assume-soap-n-n-element-names': { type: 'boolean', default: false },
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
  const simulator = new PostaGuverciniSimulator({
    host: values.host,
    otpPort: integer('--otp-port', values['otp-port'], 0, 65_535),
    bulkPort: integer('--bulk-port', values['bulk-port'], 0, 65_535),
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
  await simulator.start();
  const accounts = simulator.accounts;
  io.out.write(
    [
      'Posta Güvercini simulator is running.',
      `  OTP host:  ${simulator.otpBaseUrl}  (username ${accounts.otp!.username}, password ${accounts.otp!.password})`,
      `  bulk host: ${simulator.bulkBaseUrl}  (username ${accounts.bulk!.username}, password ${accounts.bulk!.password})`,
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
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  let stopping: Promise<void> | undefined;
  const onSignal = (): void => {
    void stop().then(() => io.out.write('Simulator stopped.\n'));
  };
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await simulator.stop();
    })();
    return stopping;
  };
  if (io.handleSignals ?? true) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return { simulator, stop };
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
    process.stderr.write(
      `${error instanceof SimulatorCliUsageError ? error.message : String((error as Error)?.stack ?? error)}\n`,
    );
    process.exitCode = error instanceof SimulatorCliUsageError ? 2 : 1;
  });
}
