import { shareDefaultServer } from './seed';

/**
 * Several parts (test/integration/*.part.ts) in one Jest test file. Each test file costs its
 * worker 2-3 s of CPU before its first test: a fresh module registry, so the app imported again
 * and the schema built again. The parts of a group pay that once. Each part is loaded inside a
 * describe block named after its file, so its hooks (among them the test servers it starts and
 * stops) are scoped to it as they were to its own file, and it keeps its own servers and data.
 * One part alone: `npm test -- test/integration/<group>.test.ts -t '^<part>.part.ts '`.
 * With `shareDefaultServer`, the parts' `useTestServer()` without overrides share one server
 * (test/helpers/seed.ts).
 */
export function parts(load: Record<string, () => unknown>, { shareDefaultServer: share = false } = {}): void {
  const register = () => {
    for (const [name, part] of Object.entries(load)) {
      describe(`${name}.part.ts`, () => {
        part();
      });
    }
  };
  if (share) shareDefaultServer(register);
  else register();
}
