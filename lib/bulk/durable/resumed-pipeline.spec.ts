import { hashedSource, InputHash } from '../campaign-fingerprint.js';
import { PositionSet } from '../delivery-collector.js';
import { type PipelineEvent, recipientPipeline } from '../recipient-pipeline.js';
import { resumedPipeline } from './resumed-pipeline.js';

const number = (i: number): string => `0532${String(i).padStart(7, '0')}`;

async function collect(events: AsyncIterable<PipelineEvent>): Promise<PipelineEvent[]> {
  const out: PipelineEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

/** What a first run read: the hash of its first `count` entries. */
function prefixOf(input: string[], count: number): string {
  const hash = new InputHash(true);
  for (const entry of input.slice(0, count)) hash.update(entry);
  return hash.digestSoFar();
}

describe('resumedPipeline', () => {
  const input = Array.from({ length: 2_000 }, (_, i) =>
    i % 100 === 99 ? number(i - 50) : number(i),
  );

  function run(queued: PositionSet, ckPos: number, ckHash: string, source = input) {
    const hash = new InputHash(true);
    const pipeline = recipientPipeline(hashedSource(source, hash), {
      mode: 'one-to-many',
      batchSize: 300,
    });
    return resumedPipeline(pipeline, {
      queued,
      hash,
      ckPos,
      ckHash,
      batchSize: 300,
      conflict: () => new Error('conflict'),
    });
  }

  it('drops every position already queued, re-packs the rest into full batches, keeps the rest of the outcomes', async () => {
    const queued = new PositionSet();
    for (let i = 0; i < 900; i++) if (i % 100 !== 99) queued.add(i); // three batches were queued
    const events = await collect(run(queued, 1_000, prefixOf(input, 1_000)));
    const batches = events.flatMap((e) => (e.type === 'batch' ? [e.recipients] : []));
    const sent = batches.flat().map((r) => r.index);
    const skipped = events.flatMap((e) =>
      e.type === 'settled' ? e.outcomes.map((o) => o.index) : [],
    );
    expect(sent.every((i) => !queued.has(i))).toBe(true);
    expect(new Set([...sent, ...skipped]).size).toBe(sent.length + skipped.length);
    // Every position is accounted for exactly once: queued before, or in this run.
    expect(sent.length + skipped.length + 900 - 9).toBe(2_000);
    expect(batches.slice(0, -1).every((b) => b.length === 300)).toBe(true);
    expect(skipped).toHaveLength(20); // the duplicates (every 100th entry)
    expect(events.at(-1)).toEqual({ type: 'end', total: 2_000 });
  });

  it('refuses an input whose first entries differ from what the first run read, before letting anything through', async () => {
    const changed = [...input];
    changed[10] = number(99_999);
    const events: PipelineEvent[] = [];
    await expect(
      (async () => {
        for await (const event of run(new PositionSet(), 1_000, prefixOf(input, 1_000), changed))
          events.push(event);
      })(),
    ).rejects.toThrow('conflict');
    expect(events).toHaveLength(0);
  });

  it('refuses an input shorter than what the first run read', async () => {
    await expect(
      collect(run(new PositionSet(), 1_000, prefixOf(input, 1_000), input.slice(0, 999))),
    ).rejects.toThrow('conflict');
  });
});

describe('InputHash and hashedSource', () => {
  it('keeps sync sources sync and hashes entries as given', () => {
    const a = new InputHash(true);
    const source = hashedSource(['05321234567', '+905321234567'], a);
    expect(Symbol.asyncIterator in source).toBe(false);
    expect([...(source as Iterable<string>)]).toHaveLength(2);
    const b = new InputHash(true);
    for (const entry of ['05321234567', '05321234567']) b.update(entry);
    expect(a.count).toBe(2);
    expect(a.digestSoFar()).not.toBe(b.digestSoFar()); // another form is another input
  });

  it('N-N items are compared by number and text', () => {
    const one = new InputHash(false);
    const two = new InputHash(false);
    one.update({ to: '05321234567', text: 'a b' });
    two.update({ to: '05321234567 a', text: 'b' });
    expect(one.digestSoFar()).not.toBe(two.digestSoFar());
  });
});

describe('PositionSet', () => {
  it('reads a Redis bitmap (SETBIT order)', () => {
    const set = PositionSet.fromRedisBitmap(Buffer.from([0b1000_0001, 0, 0b0100_0000]));
    expect([0, 7, 17].every((p) => set.has(p))).toBe(true);
    expect([1, 8, 16, 18, 100_000].some((p) => set.has(p))).toBe(false);
  });
});
