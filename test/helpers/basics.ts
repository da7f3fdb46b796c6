import net from 'node:net';

/*
 * What the test files that run the server as a child process (the entry point, the token
 * command) need from the suite's helpers, in a module that imports nothing of src/: taken from
 * ./server, which imports the whole app, each of those files paid 0.5-0.9 s of CPU in its worker
 * for an app it never starts. ./server re-exports both.
 */

/** The HS256 secret test servers sign and verify with (unless a test sets its own). */
export const TEST_JWT_SECRET = 'test-secret-of-the-dan-van-kheo-suite-0123456789';

/** A TCP port free on 127.0.0.1 right now, for a server started as a child process. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
