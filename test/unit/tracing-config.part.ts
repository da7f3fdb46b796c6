import { ConfigError, DEFAULT_SERVICE_NAME, loadTracingConfig } from '../../src/shared/config';

describe('tracing configuration (OTEL_*)', () => {
  it('is off unless an OTLP endpoint is set', () => {
    expect(loadTracingConfig({})).toEqual({ endpoint: null, serviceName: DEFAULT_SERVICE_NAME });
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ', OTEL_SERVICE_NAME: 'dvk' })).toEqual({ endpoint: null, serviceName: 'dvk' });
  });

  it('sends to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces, or to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given', () => {
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).endpoint).toBe('http://collector:4318/v1/traces');
    expect(
      loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.org/otlp' })
        .endpoint,
    ).toBe('https://traces.example.org/otlp');
  });

  it('is turned off by OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadTracingConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).endpoint).toBeNull();
    expect(loadTracingConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).endpoint).toBeNull();
    expect(loadTracingConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }).endpoint).not.toBeNull();
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' }, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http\(s\) URL/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'jaeger' }, /OTEL_TRACES_EXPORTER must be otlp or none/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/json or http\/protobuf/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'maybe' }, /OTEL_SDK_DISABLED must be true or false/],
  ])('refuses %j', (env, message) => {
    expect(() => loadTracingConfig(env)).toThrow(ConfigError);
    expect(() => loadTracingConfig(env)).toThrow(message);
  });
});
