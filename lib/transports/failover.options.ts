// Options of FailoverTransport (public types).

/** Circuit breaker of each member of a `FailoverTransport`. */
export interface FailoverBreakerOptions {
  /**
   * Consecutive outage failures (timeouts, resets, refused connections, 5xx, malformed
   * replies, provider-side database/API errors) after which a member is skipped.
   * @default 5
   */
  readonly threshold?: number;
  /**
   * How long a member stays skipped before one trial request decides whether it is healthy
   * again (success closes the breaker, failure opens it for another period).
   * @default 30000
   */
  readonly halfOpenAfterMs?: number;
}

/** Options of `FailoverTransport`. */
export interface FailoverTransportOptions {
  readonly breaker?: FailoverBreakerOptions;
  /**
   * Also move a send on to the next transport when the failed request MAY have been accepted
   * by the provider (a timeout or reset after the request was written, a 500, a malformed
   * reply): the recipients may then get the SMS twice. Leave false for one-time passwords and
   * anything where a duplicate SMS is worse than a late one. Status and credit queries are
   * always retried on the next transport: they change nothing.
   * @default false
   */
  readonly resendWhenMaybeAccepted?: boolean;
}

/** State of a member's circuit breaker. */
export type FailoverMemberState = 'closed' | 'open' | 'half-open' | 'isolated';
