import type pino from 'pino';
import type { TracingSettings } from '../config.ts';
import { activateTracing, deactivateTracing } from './tracing.ts';

export interface RunningTracing {
  /** Exports the spans still buffered and stops; gives up after `timeoutMs` (the shutdown deadline's rest). */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Starts OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_TRACES_EXPORTER=otlp) turned it on; returns
 * null otherwise, without loading any of it. Spans are batched (OTEL_BSP_* settings) and sent as OTLP/HTTP JSON
 * to `settings.url`; W3C `traceparent` headers of incoming requests become their parents.
 */
export async function startTracing(
  settings: TracingSettings | null,
  role: 'serve' | 'worker',
  logger: pino.Logger,
): Promise<RunningTracing | null> {
  if (!settings) return null;
  const [api, { NodeTracerProvider }, { BatchSpanProcessor }, { OTLPTraceExporter }, resources] =
    await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
  const resource = resources
    .resourceFromAttributes({ 'service.name': settings.serviceName, 'stepwise.process': role })
    // OTEL_RESOURCE_ATTRIBUTES (and OTEL_SERVICE_NAME, which wins over the default above).
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const exporter = new OTLPTraceExporter({ url: settings.url });
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // Registers the provider, the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  activateTracing(api, api.trace.getTracer('stepwise'));
  logger.info({ url: settings.url, serviceName: settings.serviceName }, 'OpenTelemetry traces on');
  return {
    async stop(timeoutMs) {
      deactivateTracing();
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'timeout'>((done) => {
        timer = setTimeout(() => done('timeout'), Math.max(0, timeoutMs));
      });
      const outcome = await Promise.race([provider.shutdown().then(() => 'flushed' as const), gaveUp]).catch(
        (error: unknown) => {
          logger.warn({ err: String(error) }, 'traces could not be exported at shutdown');
          return 'failed' as const;
        },
      );
      clearTimeout(timer);
      if (outcome === 'timeout')
        logger.warn({ timeoutMs }, 'traces not flushed before the shutdown deadline');
    },
  };
}
