import type { JitGateway } from '../shared/jit-executor';

/**
 * Where tracing plugs into the service, without this module (or anything that imports it)
 * loading OpenTelemetry: tracing.ts installs real hooks when OTEL_EXPORTER_OTLP_ENDPOINT is set
 * (tracing-boot.ts); otherwise these identities are all there is, and tracing costs nothing.
 */
export interface TracingHooks {
  /** The gateway Apollo runs operations through: traced, each operation a span around its execution. */
  gateway(gateway: JitGateway): JitGateway;
  /** One request's (or one event's) DataLoaders: traced, each batch a span around its SQL. */
  loaders<L extends object>(loaders: L): L;
  /** Sends the spans still buffered, then stops exporting (at shutdown). */
  shutdown(): Promise<void>;
}

const untraced: TracingHooks = {
  gateway: (gateway) => gateway,
  loaders: (loaders) => loaders,
  shutdown: async () => undefined,
};

let hooks: TracingHooks = untraced;

/** Installs `installed` (null: none, tracing off); returns what was installed before. */
export function installTracingHooks(installed: TracingHooks | null): TracingHooks {
  const previous = hooks;
  hooks = installed ?? untraced;
  return previous;
}

export function tracedGateway(gateway: JitGateway): JitGateway {
  return hooks.gateway(gateway);
}

export function tracedLoaders<L extends object>(loaders: L): L {
  return hooks.loaders(loaders);
}

export function shutdownTracing(): Promise<void> {
  return hooks.shutdown();
}
