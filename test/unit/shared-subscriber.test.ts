import { buildSchema, parse, type ExecutionResult } from 'graphql';
import type WebSocket from 'ws';
import { SharedPayloads, sharedSubscriber } from '../../src/app/subscriptions';

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

describe('shared payloads', () => {
  /** A socket as graphql-ws's ws adapter uses it: `send(data, callback)`. */
  const fakeSocket = () => {
    const sent: string[] = [];
    const socket = { send: (data: string, cb?: (err?: Error) => void) => (sent.push(data), cb?.()) };
    return { socket: socket as unknown as WebSocket, sent };
  };
  // What graphql-ws does with onNext's answer: one JSON.stringify of the whole message per socket.
  const next = (id: string, payload: unknown) => JSON.stringify({ id, type: 'next', payload });

  it('serialise a result once for every socket, and each socket gets its own id around the same JSON', () => {
    // Arrange: one result (counting its serialisations), three sockets, two subscriptions on the last
    let serialised = 0;
    const result: ExecutionResult = { data: { tick: { n: 1, toJSON: () => (serialised++, { n: 1 }) } } };
    const payloads = new SharedPayloads();
    const sockets = [fakeSocket(), fakeSocket(), fakeSocket()];
    for (const s of sockets) payloads.attach(s.socket);
    // Act
    sockets.forEach((s, i) => s.socket.send(next(`s${i}`, payloads.placeholder(s.socket, `s${i}`, result))));
    sockets[2].socket.send(next('other', payloads.placeholder(sockets[2].socket, 'other', { data: { tick: { n: 2 } } })));
    // Assert
    expect(serialised).toBe(1);
    expect(sockets.map((s) => JSON.parse(s.sent[0]))).toEqual([0, 1, 2].map((i) => ({ id: `s${i}`, type: 'next', payload: { data: { tick: { n: 1 } } } })));
    expect(JSON.parse(sockets[2].sent[1])).toEqual({ id: 'other', type: 'next', payload: { data: { tick: { n: 2 } } } });
  });

  it('leave every other message alone, and need an attached socket', () => {
    const payloads = new SharedPayloads();
    const { socket, sent } = fakeSocket();
    expect(payloads.placeholder(socket, '1', { data: {} })).toBeNull();
    payloads.attach(socket);
    const plain = next('1', { data: { text: '"payload":"\\u0000shared-payload"}' } });
    socket.send(plain);
    socket.send('{"type":"pong"}');
    expect(sent).toEqual([plain, '{"type":"pong"}']);
  });
});
