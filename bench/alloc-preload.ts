import fs from 'node:fs';
import inspector from 'node:inspector';

/*
 * Loaded with `node -r` into the server that bench/alloc.ts measures (never by the product): V8's
 * sampling heap profiler, counting what the minor and major collections free as well, so that the
 * profile is what was allocated, not what survived. SIGUSR2 starts it; the next SIGUSR2 stops it
 * and writes the profile to ALLOC_PROFILE_FILE, then a file beside it named `.done`.
 */
const out = process.env.ALLOC_PROFILE_FILE;
if (out) {
  const session = new inspector.Session();
  session.connect();
  session.post('HeapProfiler.enable');
  let sampling = false;
  process.on('SIGUSR2', () => {
    if (!sampling) {
      sampling = true;
      session.post(
        'HeapProfiler.startSampling',
        // ALLOC_SURVIVORS_ONLY (bench/alloc.ts --survivors): what the scavenges freed is left out.
        { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.ALLOC_SURVIVORS_ONLY !== 'true' },
        () => fs.writeFileSync(`${out}.started`, ''),
      );
      return;
    }
    sampling = false;
    session.post('HeapProfiler.stopSampling', (error, result) => {
      fs.writeFileSync(out, error ? JSON.stringify({ error: String(error) }) : JSON.stringify(result.profile));
      fs.writeFileSync(`${out}.done`, '');
    });
  });
}
