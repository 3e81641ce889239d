import type { ConsentFilter, ConsentFilterFunction } from './consent-filter.js';
import type { OptOutFunction, OptOutList } from './opt-out-list.js';

/** Retry of a batch whose request provably never reached the provider. */
export interface BulkRetryOptions {
  /**
   * Retries after the first attempt. Only failures that cannot have been accepted by the
   * provider are retried (`SmsTransportError` with `maybeAccepted: false`: connection refused,
   * HTTP 503); anything that may have been accepted (timeout, reset, HTTP 502/504 from a gateway
   * that may have forwarded the request, other 5xx) is reported, never re-sent.
   * @default 3
   */
  readonly maxRetries?: number;
  /**
   * First back-off delay in milliseconds (exponential with jitter after that).
   * @default 250
   */
  readonly initialDelayMs?: number;
  /**
   * Longest back-off delay in milliseconds.
   * @default 10000
   */
  readonly maxDelayMs?: number;
}

/** How durable mode reaches Redis: a `redis://` URL or ioredis connection options. */
export type DurableRedisConnection =
  | string
  | {
      readonly host?: string;
      readonly port?: number;
      readonly username?: string;
      readonly password?: string;
      readonly db?: number;
      readonly tls?: Record<string, unknown>;
    };

/**
 * Durable mode: a campaign's batches become BullMQ jobs in Redis, so a campaign survives a
 * crash or a deploy and can be worked on by several processes. Needs the optional peer
 * dependencies `bullmq` and `ioredis` (`npm install bullmq ioredis`).
 */
export interface DurableBulkOptions {
  /** Redis for the queue and the campaign state, e.g. `redis://127.0.0.1:6379`. */
  readonly connection: DurableRedisConnection;
  /**
   * Key prefix for every Redis key (BullMQ's and the campaign state). Use one per environment.
   * @default 'posta-guvercini'
   */
  readonly prefix?: string;
  /**
   * BullMQ queue name.
   * @default 'bulk-sms'
   */
  readonly queueName?: string;
  /**
   * Run a worker in this process. Set `false` in processes that only start campaigns (an API
   * behind a load balancer) and run workers elsewhere.
   * @default true
   */
  readonly worker?: boolean;
  /**
   * BullMQ lock of a batch being sent, in milliseconds. A worker that dies loses the lock
   * after this long and the batch is picked up again (and reconciled, see
   * `providerDuplicateWindowMs`).
   * @default 15000
   */
  readonly lockDurationMs?: number;
  /**
   * How often workers look for batches whose worker died, in milliseconds.
   * @default 5000
   */
  readonly stalledIntervalMs?: number;
  /**
   * How often the process that started a campaign reads its progress from Redis, in milliseconds.
   * @default 250
   */
  readonly pollIntervalMs?: number;
  /**
   * The bulk host's duplicate-content window in milliseconds: the same text to the same
   * number within it is deleted by the provider (status `-202`) instead of being delivered
   * again. A batch whose worker died after sending it but before recording the reply is
   * re-sent only while this window is still open (minus a safety margin of `timeout + 5 s`),
   * and the status of the re-sent ids tells which copy is the real one. Past the window the
   * batch is reported `failed` with `reason: 'outcome_unknown'` and `maybeSent: true`, never
   * re-sent. `0` disables re-sending altogether. The real host's window is not documented;
   * the simulator's is 60 s.
   * @default 60000
   */
  readonly providerDuplicateWindowMs?: number;
  /**
   * How long campaign state (results, counters) stays in Redis after the last change, in seconds.
   * @default 604800 (7 days)
   */
  readonly retentionSeconds?: number;
  /**
   * Lease of the process that reads a keyed campaign's input (`campaignKey`), in
   * milliseconds, renewed while it reads. When that process dies, another `send()` with the
   * same key and input takes over after the lease runs out and finishes the campaign.
   * @default 30000
   */
  readonly starterLeaseMs?: number;
}

/** Settings of `BulkSmsService` (module option `bulk`). */
export interface BulkModuleOptions {
  /**
   * Batches sent at the same time per campaign (each batch is one request of ≤ 800 recipients).
   * In durable mode: batches a worker process sends at the same time.
   * @default 4
   */
  readonly concurrency?: number;
  /**
   * Recipients per request, at most 800 (the provider's limit).
   * @default 800
   */
  readonly batchSize?: number;
  /**
   * İYS/ETK consent check for commercial campaigns: a function, or an instance of a class
   * extending `ConsentFilter`, that gets a batch of canonical numbers (`905XXXXXXXXX`, ≤ 800)
   * and returns those allowed to receive commercial messages. Without it, commercial
   * campaigns are refused before anything is sent. Not consulted for informational campaigns.
   * @default undefined (commercial campaigns are refused)
   */
  readonly consentFilter?: ConsentFilter | ConsentFilterFunction;
  /**
   * Numbers that must not get bulk messages (opt-out / blacklist / RET): a list in any common
   * phone form, a function, or an instance of a class extending `OptOutList`, that gets a batch
   * of canonical numbers and returns those opted out. Applies to every campaign, informational
   * and commercial; such recipients are reported `skipped` with `reason: 'opted_out'`.
   * @default undefined (no opt-out list)
   */
  readonly optOut?: OptOutList | OptOutFunction | Iterable<string>;
  /**
   * Retry with back-off of batches that cannot have been accepted (see `BulkRetryOptions`).
   * `false` disables it.
   * @default { maxRetries: 3, initialDelayMs: 250, maxDelayMs: 10000 }
   */
  readonly retry?: BulkRetryOptions | false;
  /**
   * Recipient outcomes kept in `CampaignReport.recipients`; the counts are always exact. Use a
   * campaign's `onRecipient` to receive every outcome of a large campaign.
   * @default 10000
   */
  readonly reportLimit?: number;
  /**
   * Countries whose mobile numbers are accepted (ISO 3166 alpha-2); others are skipped.
   * @default ['TR']
   */
  readonly allowedCountries?: readonly string[];
  /**
   * How long a `campaignKey` is remembered, in seconds: within it, `send()`/`sendEach()` with
   * the same key returns the existing campaign instead of sending again. In memory in process
   * mode (lost on restart), in Redis in durable mode (shared by every instance).
   * @default 604800 (7 days)
   */
  readonly campaignKeyTtlSeconds?: number;
  /**
   * Durable mode: a campaign whose `sendAt` is more than this many seconds away is held in the
   * package's own queue (delayed BullMQ jobs) and handed to the provider only at `sendAt`, so
   * that `campaign.cancel()` and `campaign.reschedule()` work until then. Nearer send times go
   * to the provider at once with the send time (the provider holds them; they cannot be
   * cancelled). Not used in process mode (campaigns scheduled at the provider).
   * @default 300
   */
  readonly holdScheduledOverSeconds?: number;
  /**
   * Durable campaigns on BullMQ/Redis (optional peers `bullmq` and `ioredis`).
   * @default undefined (campaigns run in the process that starts them)
   */
  readonly durable?: DurableBulkOptions;
}
