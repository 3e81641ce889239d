import type { Observable } from 'rxjs';
import { SmsValidationError } from '../errors/validation.error.js';
import type { DeliveryStatus } from '../transports/sms-transport.types.js';

// What `campaign.deliveries()` takes and gives (options, progress, report, the collection
// handle) and the checked settings a collection runs with (in process or in the workers).

/** Options of `campaign.deliveries()`. */
export interface DeliveryOptions {
  /**
   * Deadline: polling stops when every message is final or at this time, whichever comes
   * first; messages still not final are reported with their last status (`final: false`).
   * @default 25 hours after the campaign's send time (validity is at most 24 h, after which the provider gives every message a final status)
   */
  readonly until?: Date;
  /**
   * Wait before the second round of status queries, in milliseconds; it doubles after every
   * round (back-off) up to `maxIntervalMs`.
   * @default 30000
   */
  readonly intervalMs?: number;
  /** Longest wait between two rounds, in milliseconds. @default 600000 (10 minutes) */
  readonly maxIntervalMs?: number;
  /** Status requests in flight at once (each ≤ 800 ids). @default the module option `bulk.concurrency` */
  readonly concurrency?: number;
  /** Non-delivered recipients kept in the report (counts are always exact). @default the module option `bulk.reportLimit` */
  readonly reportLimit?: number;
}

/** Counts per `DeliveryStatus` (every status present, 0 when none). */
export type DeliveryCounts = Readonly<Record<DeliveryStatus, number>>;

/** A progress snapshot of a delivery collection (`collection.progress$`). */
export interface DeliveryProgress {
  readonly campaignId: string;
  /** Accepted messages with a message id (the ones polled). */
  readonly messages: number;
  /** Messages whose status is final. */
  readonly final: number;
  /** `messages - final`. */
  readonly pending: number;
  /** Latest known status of every polled message (messages not queried yet count as `unknown`). */
  readonly counts: DeliveryCounts;
  /** Rounds of status queries done. */
  readonly rounds: number;
  /** The last snapshot has `done: true`. */
  readonly done: boolean;
}

/** A recipient whose message was not (yet) delivered. */
export interface UndeliveredRecipient {
  readonly to: string;
  /** Position of the recipient in the campaign's input. */
  readonly index: number;
  readonly messageId: string;
  readonly status: DeliveryStatus;
  /** Raw provider status code, empty when unknown. */
  readonly providerCode: string;
  readonly description: string;
  /** `false`: the deadline passed before the provider gave a final status. */
  readonly final: boolean;
}

/** The delivery report of a campaign (`collection.done`). */
export interface CampaignDeliveryReport {
  readonly campaignId: string;
  /** Accepted messages with a message id, all polled. */
  readonly messages: number;
  /** Sent but without a message id (`reason: 'recovered'` in durable mode): cannot be polled. */
  readonly untracked: number;
  /** Final status of every message, or the last one seen for messages still pending at the deadline. */
  readonly counts: DeliveryCounts;
  readonly delivered: number;
  readonly final: number;
  readonly pending: number;
  /** Whether every message reached a final status before the deadline. */
  readonly complete: boolean;
  /** Recipients not delivered (final failures, and those still pending at the deadline), up to `reportLimit`. */
  readonly undelivered: readonly UndeliveredRecipient[];
  readonly undeliveredTruncated: boolean;
  readonly rounds: number;
  /** Status requests made (calls of the transport's status, each ≤ 800 ids). */
  readonly requests: number;
  /** Status requests that failed (their ids were asked again in the next round). */
  readonly failedRequests: number;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

/**
 * A running delivery collection: `progress$` (replays the latest snapshot, completes) and
 * `done` (the report).
 */
export class DeliveryCollection {
  constructor(
    readonly campaignId: string,
    readonly progress$: Observable<DeliveryProgress>,
    readonly done: Promise<CampaignDeliveryReport>,
    private readonly current: () => DeliveryProgress,
  ) {}

  /** The latest progress snapshot. */
  get progress(): DeliveryProgress {
    return this.current();
  }
}

/** One accepted message to poll. */
export interface TrackedMessage {
  readonly to: string;
  readonly index: number;
  /** Absent when the message id is not known (`recovered`). */
  readonly messageId?: string;
}

/** Where the messages of a campaign come from: read again on every round, in chunks. */
export type TrackedMessages = () => AsyncIterable<readonly TrackedMessage[]>;

/** Resolved collection settings. */
export interface CollectorSettings {
  readonly until: Date;
  readonly intervalMs: number;
  readonly maxIntervalMs: number;
  readonly concurrency: number;
  readonly reportLimit: number;
}

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'waiting_credit',
  'scheduled',
  'pending',
  'sent',
  'delivered',
  'undelivered',
  'expired',
  'rejected',
  'cancelled',
  'unknown',
];

export function emptyCounts(): Record<DeliveryStatus, number> {
  return Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
}

/** Checks `deliveries()` options; throws `SmsValidationError`. */
export function resolveDeliveryOptions(
  options: DeliveryOptions,
  defaults: { sendTime: Date; concurrency: number; reportLimit: number },
): CollectorSettings {
  if (options === null || typeof options !== 'object') {
    throw new SmsValidationError(
      'INVALID_DELIVERY_OPTIONS',
      'deliveries() expects { until?, intervalMs?, … }',
      'options',
    );
  }
  const until = options.until ?? new Date(defaults.sendTime.getTime() + 25 * 3600_000);
  if (!(until instanceof Date) || Number.isNaN(until.getTime())) {
    throw new SmsValidationError('INVALID_UNTIL', 'until must be a valid Date', 'until');
  }
  const int = (value: unknown, field: string, fallback: number, min: number, max: number) => {
    if (value === undefined) return fallback;
    if (
      typeof value !== 'number' ||
      !(value === Number.POSITIVE_INFINITY || Number.isInteger(value)) ||
      value < min ||
      value > max
    ) {
      throw new SmsValidationError(
        'INVALID_DELIVERY_OPTIONS',
        `${field} must be an integer from ${min} to ${max}`,
        field,
      );
    }
    return value;
  };
  const intervalMs = int(options.intervalMs, 'intervalMs', 30_000, 10, 86_400_000);
  return {
    until,
    intervalMs,
    maxIntervalMs: Math.max(
      intervalMs,
      int(options.maxIntervalMs, 'maxIntervalMs', 600_000, 10, 86_400_000),
    ),
    concurrency: int(options.concurrency, 'concurrency', defaults.concurrency, 1, 64),
    reportLimit: int(
      options.reportLimit,
      'reportLimit',
      defaults.reportLimit,
      0,
      Number.POSITIVE_INFINITY,
    ),
  };
}
