import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';

/**
 * Stop switches of one running campaign. `stop()`: nothing more is sent, recipients still to
 * come are reported `failed` / `aborted` with the reason. `cancel()`: also stop reading the
 * input (what was read is reported; what was not is not part of the campaign).
 */
export class RunControl {
  cancelled = false;
  stopReason: PostaGuverciniError | undefined;
  private readonly controller = new AbortController();

  /** Aborted on the first `stop()`/`cancel()`: wakes a batch waiting to retry. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.stopReason !== undefined;
  }

  stop(reason: PostaGuverciniError): void {
    this.stopReason ??= reason;
    if (!this.controller.signal.aborted) this.controller.abort(this.stopReason);
  }

  cancel(
    reason: PostaGuverciniError = new PostaGuverciniError(
      'CAMPAIGN_CANCELLED',
      'Not sent: the campaign was cancelled',
    ),
  ): void {
    this.cancelled = true;
    this.stop(reason);
  }
}
