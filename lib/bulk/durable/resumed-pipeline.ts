import type { InputHash } from '../campaign-fingerprint.js';
import type { PositionSet } from '../delivery-collector.js';
import type { ReadyRecipient } from '../recipient-outcome.js';
import type { PipelineEvent } from '../recipient-pipeline.js';

/**
 * The pipeline of a resumed keyed campaign (its starting process died while reading the
 * input). The whole input runs through the normal pipeline again — so de-duplication and
 * filters see every entry, as the first run did — and then:
 * - every outcome and ready recipient at an input position already queued (`queued`, read
 *   from the batches in Redis) is dropped: that recipient is in a queued batch and is sent
 *   and reported by it, never twice;
 * - the rest is re-packed into full batches;
 * - nothing is let through before the first `ckPos` entries (what the dead starter had read
 *   when it queued its last batch) were read again and hash to `ckHash`: a different input
 *   throws `conflict()` and nothing of it is queued or reported.
 */
export async function* resumedPipeline(
  pipeline: AsyncGenerator<PipelineEvent, void, undefined>,
  options: {
    readonly queued: PositionSet;
    readonly hash: InputHash;
    readonly ckPos: number;
    readonly ckHash: string;
    readonly batchSize: number;
    readonly conflict: () => Error;
  },
): AsyncGenerator<PipelineEvent, void, undefined> {
  const { queued, hash, ckPos, ckHash, batchSize } = options;
  hash.checkAt(ckPos);
  let verified = false;
  const waiting: PipelineEvent[] = [];
  let carry: ReadyRecipient[] = [];

  const verify = (ended: boolean): boolean => {
    if (verified) return true;
    if (hash.count >= ckPos) {
      if (hash.prefixDigest !== ckHash) throw options.conflict();
      verified = true;
      return true;
    }
    if (ended) throw options.conflict(); // shorter than what was already read
    return false;
  };

  try {
    for await (const event of pipeline) {
      const out: PipelineEvent[] = [];
      if (event.type === 'settled') {
        const outcomes = event.outcomes.filter((o) => !queued.has(o.index));
        if (outcomes.length > 0) out.push({ type: 'settled', outcomes });
      } else if (event.type === 'batch') {
        for (const recipient of event.recipients)
          if (!queued.has(recipient.index)) carry.push(recipient);
        while (carry.length >= batchSize) {
          out.push({ type: 'batch', recipients: carry.slice(0, batchSize) });
          carry = carry.slice(batchSize);
        }
      } else {
        if (carry.length > 0) out.push({ type: 'batch', recipients: carry });
        carry = [];
        out.push(event);
      }
      if (!verify(event.type === 'end')) {
        waiting.push(...out);
        continue;
      }
      for (const held of waiting.splice(0)) yield held;
      for (const next of out) yield next;
    }
  } finally {
    await pipeline.return();
  }
}
