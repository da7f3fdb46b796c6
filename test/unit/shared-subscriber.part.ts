import { buildSchema, parse, type ExecutionResult } from 'graphql';
import { sharedSubscriber } from '../../src/app/subscriptions';

/*
 * Live events executed once per subscription shape and shared between identical subscriptions:
 * what is kept for sharing must stay under its byte bound whatever the subscribers send.
 */
const schema = buildSchema('type Query { ok: Boolean } type Subscription { tick: Tick } type Tick { n: Int text(size: Int!): String }');

/** The same event objects reach every subscriber, as the event hub hands them out. */
const EVENTS = [1, 2, 3].map((n) => ({ tick: { n, text: ({ size }: { size: number }) => 'x'.repeat(size) } }));

async function* ticks(count: number) {
  for (const event of EVENTS.slice(0, count)) yield event;
}

async function run(subscribe: ReturnType<typeof sharedSubscriber>, query: string, resultKey: string, events: number): Promise<ExecutionResult[]> {
  const stream = (await subscribe({
    schema,
    document: parse(query),
    rootValue: { tick: () => ticks(events) },
    contextValue: { resultKey },
  })) as AsyncIterable<ExecutionResult>;
  const results: ExecutionResult[] = [];
  for await (const result of stream) results.push(result);
  return results;
}

describe('shared subscription results', () => {
  it('stay under their byte bound with many distinct, large subscriptions', async () => {
    // Arrange: 1 MB for sharing; 60 shapes whose documents are ~20 kB and results ~100 kB each
    const maxBytes = 1024 * 1024;
    const subscribe = sharedSubscriber(maxBytes);
    let peak = 0;

    // Act
    for (let shape = 0; shape < 60; shape += 1) {
      const padding = ' '.repeat(20_000);
      const query = `subscription S${shape} {${padding} tick { n text(size: 100000) } }`;
      const results = await run(subscribe, query, `${query}#${shape}`, 3);
      expect(results).toHaveLength(3);
      peak = Math.max(peak, subscribe.cachedBytes);
    }

    // Assert: 60 × 3 results of ~220 kB each would be ~40 MB without the bound
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(maxBytes);
  });

  it('still shares a result between identical subscriptions', async () => {
    const subscribe = sharedSubscriber();
    const query = 'subscription { tick { n } }';
    const [first, second] = await Promise.all([run(subscribe, query, 'same', 2), run(subscribe, query, 'same', 2)]);
    expect(first.map((r) => r.data)).toEqual([{ tick: { n: 1 } }, { tick: { n: 2 } }]);
    expect(second.map((r) => r.data)).toEqual(first.map((r) => r.data));
    expect(second[0]).toBe(first[0]); // one execution, handed to both
    expect(subscribe.cachedBytes).toBeGreaterThan(0);
  });
});
