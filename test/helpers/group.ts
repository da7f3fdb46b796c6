/**
 * Several parts (test/integration/*.part.ts) in one Jest test file. Each test file costs its
 * worker 2-3 s of CPU before its first test: a fresh module registry, so the app imported again
 * and the schema built again. The parts of a group pay that once. Each part is loaded inside a
 * describe block named after its file, so its hooks (among them the test servers it starts and
 * stops) are scoped to it as they were to its own file, and it keeps its own servers and data.
 * One part alone: `npm test -- test/integration/<group>.test.ts -t '^<part>.part.ts '`.
 */
export function parts(load: Record<string, () => unknown>): void {
  for (const [name, part] of Object.entries(load)) {
    describe(`${name}.part.ts`, () => {
      part();
    });
  }
}
