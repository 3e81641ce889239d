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
  private keyList: Int32Array;
  private indexList: Float64Array;
  private count = 0;
  private objects: ReadyRecipient[] | undefined;

  /** `capacity`: the usual size (a batch); the lists grow past it if need be. */
  constructor(capacity: number) {
    this.keyList = new Int32Array(Math.max(1, capacity));
    this.indexList = new Float64Array(Math.max(1, capacity));
  }

  get length(): number {
    return this.count;
  }

  /** The keys, in input order (a view: no copy). */
  get keys(): Int32Array {
    return this.keyList.subarray(0, this.count);
  }

  /** Input position of the i-th recipient. */
  index(i: number): number {
    return this.indexList[i]!;
  }

  add(key: number, index: number): void {
    if (this.count === this.keyList.length) {
      const keys = new Int32Array(this.count * 2);
      keys.set(this.keyList);
      this.keyList = keys;
      const indexes = new Float64Array(this.count * 2);
      indexes.set(this.indexList);
      this.indexList = indexes;
    }
    this.keyList[this.count] = key;
    this.indexList[this.count++] = index;
  }

  /** The canonical number (`905XXXXXXXXX`) of the i-th recipient. */
  to(i: number): string {
    return canonicalOfTurkishKey(this.keyList[i]!);
  }

  /** The batch as `ReadyRecipient` objects (built once, on first use). */
  recipients(): ReadyRecipient[] {
    if (this.objects === undefined) {
      const objects = new Array<ReadyRecipient>(this.count);
      for (let i = 0; i < objects.length; i++)
        objects[i] = { to: this.to(i), index: this.indexList[i]! };
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
    return this.batch.index(i);
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
