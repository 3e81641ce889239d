import { SmsValidationError } from '../errors/validation.error.js';

/**
 * Reads a campaign's input for the recipient pipeline, one chunk per call: entries go to
 * `take` until it answers that a chunk is full, the input ends or the campaign is cancelled.
 * The loop runs here, not in the pipeline's generator: an async generator saves and restores
 * its whole frame at every `await`, and the pipeline's frame is large, so awaiting each entry
 * there cost more per recipient than the entry itself. Arrays are read by index (no iterator
 * result per entry); other iterables and async iterables through their iterator, closed
 * (`return()`) when reading stops early, as `for … of` and `for await … of` close them.
 */
export interface SourceReader {
  /**
   * Feeds entries to `take` until it answers true (a chunk is full: answers false, more input
   * may follow), the input ends or `cancelled()` (answers true: nothing more is read). A sync
   * input answers at once, an async one with a promise (so sync inputs never await).
   */
  read(take: (entry: unknown) => boolean, cancelled: () => boolean): boolean | Promise<boolean>;
  /** Closes the input if it is still open (reading stopped before its end). */
  close(): Promise<void>;
}

/** A reader of `source` (an array, another iterable or an async iterable), or a typed error. */
export function readerOf(source: unknown): SourceReader {
  if (isAsyncIterable(source)) return new AsyncIteratorReader(source[Symbol.asyncIterator]());
  if (Array.isArray(source) && source[Symbol.iterator] === ARRAY_ITERATOR)
    return new ArrayReader(source);
  if (isIterable(source)) return new IteratorReader(source[Symbol.iterator]());
  throw new SmsValidationError(
    'INVALID_RECIPIENTS',
    'recipients must be an array or an (async) iterable',
    'to',
  );
}

const ARRAY_ITERATOR = Array.prototype[Symbol.iterator];

class ArrayReader implements SourceReader {
  private next = 0;

  constructor(private readonly array: readonly unknown[]) {}

  read(take: (entry: unknown) => boolean, cancelled: () => boolean): boolean {
    const array = this.array;
    // The length is read at every step, as the array iterator does.
    while (this.next < array.length) {
      if (take(array[this.next++])) return false;
      if (cancelled()) return true;
    }
    return true;
  }

  async close(): Promise<void> {
    // An array's iterator has nothing to close.
  }
}

/**
 * An iterator's reader: the two loops below are one loop, with and without `await` on `next()`
 * (a sync input must not pay a promise per entry).
 */
abstract class IteratorReaderBase<I extends Iterator<unknown> | AsyncIterator<unknown>> {
  /** The input ended, threw or was closed: nothing to close any more. */
  protected finished = false;

  constructor(protected readonly iterator: I) {}

  async close(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.iterator.return?.();
  }

  /** `next()`'s failure: an iterator that threw is not closed (as with `for … of`). */
  protected threw(error: unknown): never {
    this.finished = true;
    throw error;
  }
}

class IteratorReader extends IteratorReaderBase<Iterator<unknown>> implements SourceReader {
  read(take: (entry: unknown) => boolean, cancelled: () => boolean): boolean {
    for (;;) {
      let result: IteratorResult<unknown>;
      try {
        result = this.iterator.next();
      } catch (error) {
        this.threw(error);
      }
      if (result.done) return (this.finished = true);
      if (take(result.value)) return false;
      if (cancelled()) {
        // A sync iterator's return() runs at once (before close()'s first await).
        void this.close();
        return true;
      }
    }
  }
}

class AsyncIteratorReader
  extends IteratorReaderBase<AsyncIterator<unknown>>
  implements SourceReader
{
  async read(take: (entry: unknown) => boolean, cancelled: () => boolean): Promise<boolean> {
    for (;;) {
      let result: IteratorResult<unknown>;
      try {
        result = await this.iterator.next();
      } catch (error) {
        this.threw(error);
      }
      if (result.done) return (this.finished = true);
      if (take(result.value)) return false;
      if (cancelled()) {
        await this.close();
        return true;
      }
    }
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  );
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    value !== null &&
    value !== undefined &&
    typeof value !== 'string' &&
    typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function'
  );
}
