import type { NestExpressApplication } from '@nestjs/platform-express';
import type { PostaGuverciniSimulator } from 'nestjs-posta-guvercini/testing';
import { createSampleApp } from '../src/create-app.js';
import { SmsBackend } from '../src/dev/sms-backend.js';

/** The demo customer's number in canonical form (`DEMO_PHONE`). */
export const DEMO_PHONE_CANONICAL = '905321234567';

export interface RunningSample {
  readonly app: NestExpressApplication;
  readonly backend: SmsBackend;
  /** The embedded simulator (embedded mode only). */
  readonly simulator: PostaGuverciniSimulator;
  /** `http://127.0.0.1:<port>` once `listen` was asked for. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the sample app the way `npm run sample` does, with the given variables instead of
 * `.env` and `process.env` (so a developer's real credentials can never reach a test).
 * Default: the embedded simulator on 127.0.0.1.
 */
export async function startSample(
  env: Record<string, string> = {},
  { listen = false }: { listen?: boolean } = {},
): Promise<RunningSample> {
  const app = await createSampleApp({
    env: { PORT: '0', ...env },
    logger: false,
    abortOnError: false,
  });
  if (listen) await app.listen(0, '127.0.0.1');
  else await app.init();
  const backend = app.get(SmsBackend);
  const address = listen ? (app.getHttpServer().address() as { port: number }) : undefined;
  return {
    app,
    backend,
    get simulator(): PostaGuverciniSimulator {
      if (backend.simulator === undefined)
        throw new Error('this sample runs without the embedded simulator');
      return backend.simulator;
    },
    url: address ? `http://127.0.0.1:${address.port}` : '',
    close: () => app.close(),
  };
}

/** The one-time password in an SMS text (the first run of 4–10 digits standing alone). */
export function codeIn(text: string): string {
  const match = /(?<!\d[.,]?)\d{4,10}(?![.,]?\d)/.exec(text);
  if (!match) throw new Error(`no code in the SMS: ${text}`);
  return match[0];
}

/** A recipient line of a campaign report as the sample's API returns it. */
export interface RecipientJson {
  readonly to: string;
  readonly status: 'sent' | 'skipped' | 'failed';
  readonly reason?: string;
  readonly messageId?: string;
  readonly error?: string;
}

/** A campaign report as the sample's API returns it. */
export interface ReportJson {
  readonly total: number;
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  readonly requests: number;
  readonly credits: number;
  readonly recipients: readonly RecipientJson[];
  readonly recipientsTruncated: boolean;
}

/** A progress snapshot (`campaign.progress$`) as JSON. */
export interface ProgressJson {
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  readonly processed: number;
  readonly total?: number;
  readonly requests: number;
  readonly done: boolean;
}

/** The events of `GET /api/campaigns/:id/events`. */
export type CampaignEvent =
  | { readonly event: 'progress'; readonly data: ProgressJson }
  | { readonly event: 'report'; readonly data: ReportJson }
  | {
      readonly event: 'failed';
      readonly data: { readonly message: string; readonly report?: ReportJson };
    };

/** Parses a Server-Sent Events body into `{ event, data }` records. */
export function parseSse(body: string): CampaignEvent[] {
  return body
    .split(/\n\n+/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      return { event, data: JSON.parse(data.join('\n')) as unknown } as CampaignEvent;
    });
}

/** The progress snapshots of a campaign's event stream, in order. */
export function progressOf(events: readonly CampaignEvent[]): ProgressJson[] {
  return events.flatMap((e) => (e.event === 'progress' ? [e.data] : []));
}

/** The final report of a campaign's event stream (its last event). */
export function reportOf(events: readonly CampaignEvent[]): ReportJson {
  const last = events.at(-1);
  if (last?.event !== 'report')
    throw new Error(`the stream did not end with a report: ${JSON.stringify(last)}`);
  return last.data;
}
