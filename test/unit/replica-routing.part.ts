import { RecentWriters } from '../../src/app/read-routing';
import { lsnToBytes, PrimaryHistory, replicaName } from '../../src/db/replicas';
import { ConfigError, loadConfig } from '../../src/shared/config';

const PRIMARY = 'postgres://postgres@127.0.0.1:5432/dvk';

describe('read replica settings', () => {
  it('has none by default, and a read-your-writes window that outlasts the lag a replica in rotation may have', () => {
    // Act
    const none = loadConfig({});
    const some = loadConfig({ DATABASE_URL: PRIMARY, DATABASE_REPLICA_URLS: ' postgres://r1:5433/dvk, postgresql://u:p@r2/dvk ', REPLICA_MAX_LAG_MS: '10000' });

    // Assert
    expect(none).toMatchObject({
      databaseReplicaUrls: [],
      replicaMaxLagMs: 2_000,
      replicaCheckIntervalMs: 1_000,
      replicaCheckTimeoutMs: 1_000,
      readYourWritesMs: 5_000,
    });
    expect(some.databaseReplicaUrls).toEqual(['postgres://r1:5433/dvk', 'postgresql://u:p@r2/dvk']);
    expect(some.readYourWritesMs).toBe(10_000 + 2 * 1_000 + 1_000);
    expect(loadConfig({ READ_YOUR_WRITES_MS: '0' }).readYourWritesMs).toBe(0);
  });

  it.each([
    [{ DATABASE_REPLICA_URLS: 'postgres://r1/dvk' }, /DATABASE_REPLICA_URLS needs DATABASE_URL/],
    [{ DATABASE_URL: PRIMARY, DATABASE_REPLICA_URLS: 'mysql://r1/dvk' }, /DATABASE_REPLICA_URLS must be a comma-separated list of postgres/],
    [{ REPLICA_MAX_LAG_MS: 'a while' }, /REPLICA_MAX_LAG_MS must be an integer/],
    [{ REPLICA_CHECK_INTERVAL_MS: '10' }, /REPLICA_CHECK_INTERVAL_MS must be an integer between 100/],
    [{ READ_YOUR_WRITES_MS: '-1' }, /READ_YOUR_WRITES_MS must be an integer/],
  ])('refuses %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('the callers who wrote recently', () => {
  it('keeps a caller on the primary until its window ends, then forgets it', () => {
    // Arrange
    const writers = new RecentWriters(10);

    // Act
    writers.wrote('editor-1', 2_000);

    // Assert
    expect(writers.readsPrimary('editor-1', 1_999)).toBe(true);
    expect(writers.readsPrimary('someone-else', 1_999)).toBe(false);
    expect(writers.readsPrimary('editor-1', 2_000)).toBe(false);
    expect(writers.size).toBe(0);
  });

  it('stays within its bound: the least recently written caller is forgotten first, and long subjects are kept as a hash', () => {
    // Arrange
    const writers = new RecentWriters(3);
    const long = 'x'.repeat(10_000);

    // Act
    for (const sub of ['a', 'b', 'c']) writers.wrote(sub, 9_000);
    writers.wrote('a', 9_000); // written again: now the most recent
    writers.wrote(long, 9_000);

    // Assert
    expect(writers.size).toBe(3);
    expect(writers.readsPrimary('b', 0)).toBe(false);
    expect(['a', 'c', long].map((sub) => writers.readsPrimary(sub, 0))).toEqual([true, true, true]);
    expect(writers.readsPrimary('x'.repeat(9_999), 0)).toBe(false);
  });

  it('remembers nobody with READ_YOUR_WRITES_MAX_CALLERS=0', () => {
    const writers = new RecentWriters(0);
    writers.wrote('a', 9_000);
    expect(writers.readsPrimary('a', 0)).toBe(false);
  });
});

describe('replica lag arithmetic', () => {
  it('reads WAL positions as byte offsets and names replicas without their credentials', () => {
    expect(lsnToBytes('0/0')).toBe(0);
    expect(lsnToBytes('1/364DFD8') - lsnToBytes('0/FFFFFFFF')).toBe(0x364dfd8 + 1);
    expect(replicaName('postgres://user:secret@db-replica.internal:6432/dvk?sslmode=require')).toBe('db-replica.internal:6432/dvk');
  });
});

describe('replica lag on an idle primary', () => {
  it('counts a caught-up replica as not late however long the primary idles, and a late one from when the primary passed it', () => {
    // Arrange: the primary writes up to 100, idles (the same position seen again and again), then writes to 200
    const history = new PrimaryHistory(16);
    history.add(0, 100);
    for (let at = 1_000; at <= 60_000; at += 1_000) history.add(at, 100);
    history.add(61_000, 200);

    // Assert: a replica at 100 is late since the primary was first seen past it (61 s), not since 0
    expect(history.latest).toBe(200);
    expect(history.behindSince(100)).toBe(61_000);
    expect(history.behindSince(200)).toBeNull(); // caught up
    expect(history.behindSince(50)).toBeNull(); // further behind than the history reaches: the caller falls back to the replay timestamp
  });

  it('keeps a bounded history', () => {
    const history = new PrimaryHistory(3);
    for (let i = 1; i <= 10; i += 1) history.add(i, i * 10);
    expect(history.behindSince(80)).toBe(9);
    expect(history.behindSince(70)).toBeNull();
  });
});
