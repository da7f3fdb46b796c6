import { ConfigError, loadTracingConfig } from '../shared/config';
import { installTracingHooks } from './tracing-hooks';

/*
 * Imported by src/main.ts before anything else of the service: with OTEL_EXPORTER_OTLP_ENDPOINT
 * (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set, OpenTelemetry is loaded and its instrumentations
 * registered here, before http, express and pg are first required (they patch modules as they
 * are loaded; the build is CommonJS, so this import runs, in order, before main.ts's later ones).
 * Unset, not one OpenTelemetry module is loaded.
 */
try {
  const tracing = loadTracingConfig();
  if (tracing.endpoint) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when tracing is on, and synchronously (see above)
    const { startTracing } = require('./tracing') as typeof import('./tracing');
    installTracingHooks(startTracing({ ...tracing, endpoint: tracing.endpoint }));
  }
} catch (error) {
  // Before main() runs, so its one-line report of a configuration error is repeated here.
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`Configuration error: ${error.message}\n`);
  process.exit(1);
}
