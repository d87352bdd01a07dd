import type { Span, TextMapGetter } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tracingActive } from '../tracing/tracing.ts';

/**
 * One server span per HTTP request when tracing is on (src/tracing): named `METHOD /route/:pattern`, with the
 * method, the route pattern and the status code only — never the raw URL, query string, headers or tokens. An
 * incoming W3C `traceparent` becomes the parent, and the handler runs inside the span's context, so spans it starts
 * are its children.
 */
export function registerHttpTracing(app: FastifyInstance): void {
  const tracing = tracingActive();
  if (!tracing) return;
  const { api, tracer } = tracing;
  const spans = new WeakMap<FastifyRequest, Span>();
  const getter: TextMapGetter<FastifyRequest['headers']> = {
    keys: (headers) => Object.keys(headers),
    get: (headers, key) => headers[key],
  };

  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    const parent = api.propagation.extract(api.ROOT_CONTEXT, request.headers, getter);
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: api.SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, ...(route ? { 'http.route': route } : {}) },
      },
      parent,
    );
    spans.set(request, span);
    api.context.with(api.trace.setSpan(parent, span), done);
  });

  const end = (request: FastifyRequest, status: number | null) => {
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    if (status !== null) span.setAttribute('http.response.status_code', status);
    if (status === null || status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
    span.end();
  };
  app.addHook('onResponse', async (request, reply) => end(request, reply.statusCode));
  app.addHook('onRequestAbort', async (request) => end(request, null));
}
