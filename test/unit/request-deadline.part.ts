import { Deadline, Semaphore, deadlineScope } from '../../src/db/request-scope';

describe('a request deadline and its share of the pool', () => {
  it('a waiter gives up when its deadline passes, and the slot goes to the next in line', async () => {
    const slots = new Semaphore(1);
    await slots.acquire();
    const late = new Deadline();
    const giving = slots.acquire(late);
    const next = slots.acquire(new Deadline());
    const reason = new Error('deadline');
    late.abort(reason);
    await expect(giving).rejects.toBe(reason);
    slots.release();
    await expect(next).resolves.toBeUndefined();
    // The one slot is held by `next`: a newcomer without a deadline waits until it is released.
    let third = false;
    const waiting = slots.acquire().then(() => (third = true));
    await new Promise((r) => setImmediate(r));
    expect(third).toBe(false);
    slots.release();
    await waiting;
    expect(third).toBe(true);
  });

  it('refuses at once when the deadline has already passed, and calls each listener once', async () => {
    const deadline = new Deadline();
    let calls = 0;
    deadline.onAbort(() => (calls += 1));
    const stopped = deadline.onAbort(() => (calls += 100));
    stopped();
    deadline.abort(new Error('first'));
    deadline.abort(new Error('second'));
    expect(calls).toBe(1);
    expect(deadline.reason).toEqual(new Error('first'));
    await expect(new Semaphore(1).acquire(deadline)).rejects.toThrow('first');
  });

  it('deadlineScope aborts with a TIMEOUT error after its time, and not once done', async () => {
    const { scope } = deadlineScope(5, null);
    const reason = await new Promise((resolve) => scope.signal!.onAbort(() => resolve(scope.signal!.reason)));
    expect(reason).toMatchObject({ extensions: expect.objectContaining({ code: 'TIMEOUT', timeoutMs: 5 }) });
    const finished = deadlineScope(5, null);
    finished.done();
    await new Promise((r) => setTimeout(r, 20));
    expect(finished.scope.signal!.aborted).toBe(false);
    expect(deadlineScope(0, null).scope.signal).toBeNull();
  });
});
