/** A progress snapshot of a campaign (`campaign.progress$`). */
export interface CampaignProgress {
  readonly campaignId: string;
  /** Recipients accepted by the provider so far (not necessarily delivered yet). */
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  /** `sent + skipped + failed`. */
  readonly processed: number;
  /** Recipients in the input: known up front for arrays, otherwise once the input is exhausted. */
  readonly total?: number;
  readonly requests: number;
  readonly credits: number;
  /**
   * The last snapshot of a finished campaign has `done: true`; it is the only one whose counts
   * are final (`processed === total`), and it is emitted once.
   */
  readonly done: boolean;
}
