import { recipientPipeline } from './recipient-pipeline.js';
import { readerOf } from './source-reader.js';

// The campaign input is read the way `for … of` / `for await … of` read it: in order, once,
// closed (`return()`) when reading stops early, not closed when it threw.

const numbers = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `0532${String(i).padStart(7, '0')}`);

/** An iterator over `values` that records what was asked of it. */
function spyIterator(values: string[], throwAt = -1) {
  const calls = { next: 0, return: 0 };
  let i = 0;
  const iterator = {
    next(): IteratorResult<string> {
      calls.next++;
      if (i === throwAt) throw new Error('input broke');
      return i < values.length
        ? { value: values[i++]!, done: false }
        : { value: undefined, done: true };
    },
    return(): IteratorResult<string> {
      calls.return++;
      return { value: undefined, done: true };
    },
  };
  return { calls, iterable: { [Symbol.iterator]: () => iterator } };
}

describe('readerOf', () => {
  it('reads an array, an iterable and an async generator in chunks, in order, to the end', async () => {
    const values = numbers(25);
    async function* generated(): AsyncGenerator<string> {
      yield* values;
    }
    for (const source of [values, new Set(values), generated()]) {
      const reader = readerOf(source);
      const seen: unknown[] = [];
      const chunks: number[] = [];
      let ended = false;
      while (!ended) {
        let inChunk = 0;
        const take = (entry: unknown): boolean => {
          seen.push(entry);
          return ++inChunk === 10;
        };
        ended = await reader.read(take, () => false);
        chunks.push(inChunk);
      }
      expect(seen).toEqual(values);
      expect(chunks).toEqual([10, 10, 5]);
      await reader.close();
    }
  });

  it('closes an async generator when the campaign is cancelled, and reads nothing after', async () => {
    let closed = false;
    let read = 0;
    async function* generated(): AsyncGenerator<string> {
      try {
        for (const value of numbers(100)) {
          read++;
          yield value;
        }
      } finally {
        closed = true;
      }
    }
    const reader = readerOf(generated());
    let taken = 0;
    const ended = await reader.read(
      () => (taken++, false),
      () => taken === 7,
    );
    expect([ended, taken, read, closed]).toEqual([true, 7, 7, true]);
  });

  it('closes a sync iterable when cancelled, but not one that threw', async () => {
    const cancelled = spyIterator(numbers(10));
    let taken = 0;
    expect(
      readerOf(cancelled.iterable).read(
        () => (taken++, false),
        () => taken === 3,
      ),
    ).toBe(true);
    expect(cancelled.calls).toEqual({ next: 3, return: 1 });

    const broken = spyIterator(numbers(10), 4);
    const reader = readerOf(broken.iterable);
    expect(() =>
      reader.read(
        () => false,
        () => false,
      ),
    ).toThrow('input broke');
    await reader.close();
    expect(broken.calls).toEqual({ next: 5, return: 0 });
  });

  it('refuses what is not a list with a typed error', () => {
    for (const source of ['0532 000 00 00', 42, null, { to: [] }])
      expect(() => readerOf(source)).toThrow(
        expect.objectContaining({ code: 'INVALID_RECIPIENTS', field: 'to' }),
      );
  });
});

describe('recipientPipeline input', () => {
  it('closes the input when its consumer stops early', async () => {
    let closed = false;
    async function* generated(): AsyncGenerator<string> {
      try {
        yield* numbers(5_000);
      } finally {
        closed = true;
      }
    }
    const pipeline = recipientPipeline(generated(), { mode: 'one-to-many', batchSize: 100 });
    const first = await pipeline.next();
    expect(first.value).toMatchObject({ type: 'batch' });
    await pipeline.return();
    expect(closed).toBe(true);
  });

  it('reports an input that threw after what was read, without closing it', async () => {
    const broken = spyIterator(numbers(250), 230);
    const events = [];
    for await (const event of recipientPipeline(broken.iterable, {
      mode: 'one-to-many',
      batchSize: 100,
    }))
      events.push(event);
    const batches = events.filter((e) => e.type === 'batch');
    expect(batches.map((b) => b.recipients.length)).toEqual([100, 100, 30]);
    expect(events.at(-1)).toMatchObject({
      type: 'end',
      total: 230,
      error: new Error('input broke'),
    });
    expect(broken.calls.return).toBe(0);
  });
});
