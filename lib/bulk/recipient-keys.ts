import { canonicalOfTurkishKey, type KeyedAcceptedReply } from '../transports/keyed-batch.js';
import { sentOutcome } from './outcomes.js';
import type { ReadyRecipient, RecipientOutcome } from './recipient-outcome.js';

// The 1-N hot path's batches without an object or a string per recipient: Turkish mobiles as
// numeric keys (national number − 5·10^9) with their input positions, in two parallel arrays.
// The transport writes the request straight from the keys; the outcomes of a batch the provider
// accepted whole are built only for those the report keeps. Anything else (a filter, a failure,
// a stop, durable mode) asks for `recipients()` and goes the usual way with objects.

/** A 1-N batch of Turkish mobiles: keys and input positions, in input order. */
export class KeyedRecipients {
  readonly keys: number[] = [];
  readonly indexes: number[] = [];
  private objects: ReadyRecipient[] | undefined;

  get length(): number {
    return this.keys.length;
  }

  add(key: number, index: number): void {
    this.keys.push(key);
    this.indexes.push(index);
  }

  /** The canonical number (`905XXXXXXXXX`) of the i-th recipient. */
  to(i: number): string {
    return canonicalOfTurkishKey(this.keys[i]!);
  }

  /** The batch as `ReadyRecipient` objects (built once, on first use). */
  recipients(): ReadyRecipient[] {
    if (this.objects === undefined) {
      const objects = new Array<ReadyRecipient>(this.keys.length);
      for (let i = 0; i < objects.length; i++)
        objects[i] = { to: this.to(i), index: this.indexes[i]! };
      this.objects = objects;
    }
    return this.objects;
  }
}

/** A pipeline `batch` event of a keyed batch: `recipients` is built only if someone reads it. */
export function keyedBatchEvent(keyed: KeyedRecipients): {
  readonly type: 'batch';
  readonly recipients: ReadyRecipient[];
  readonly keyed: KeyedRecipients;
} {
  return {
    type: 'batch',
    keyed,
    get recipients(): ReadyRecipient[] {
      return keyed.recipients();
    },
  };
}

/** A keyed batch the provider accepted whole (a message id for every recipient). */
export class AcceptedRecipients {
  constructor(
    readonly batch: KeyedRecipients,
    private readonly reply: KeyedAcceptedReply,
  ) {}

  get length(): number {
    return this.batch.length;
  }

  /** Input position of the i-th recipient. */
  index(i: number): number {
    return this.batch.indexes[i]!;
  }

  /** The `sent` outcome of the i-th recipient, as `mapResult` builds it. */
  outcome(i: number): RecipientOutcome {
    return sentOutcome(
      this.batch.to(i),
      this.index(i),
      this.reply.messageId(i),
      this.reply.charge(i),
    );
  }

  outcomes(): RecipientOutcome[] {
    const outcomes = new Array<RecipientOutcome>(this.length);
    for (let i = 0; i < outcomes.length; i++) outcomes[i] = this.outcome(i);
    return outcomes;
  }
}
