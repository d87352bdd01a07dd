import type * as OtelApi from '@opentelemetry/api';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';

/**
 * Optional OpenTelemetry traces (OTLP over HTTP, off by default). This module is the only one the rest of the
 * code calls: while tracing is off (`start-tracing.ts` never ran), every function here runs the work as it is and
 * nothing of OpenTelemetry is loaded — the API and the SDK are imported dynamically when tracing starts.
 *
 * Attributes are chosen, never copied: ids, counts, outcomes, the route pattern and the status code. No headers,
 * tokens, query strings, email addresses or subjects, and no exception messages (an SMTP error names its recipient).
 */
interface Active {
  api: typeof OtelApi;
  tracer: Tracer;
}

let active: Active | null = null;

/** Called once by `startTracing` after the SDK is registered. */
export function activateTracing(api: typeof OtelApi, tracer: Tracer): void {
  active = { api, tracer };
}

export function deactivateTracing(): void {
  active = null;
}

export function tracingActive(): Active | null {
  return active;
}

/** Lets the work add attributes it learns on the way (an outcome); a no-op while tracing is off. */
export interface SpanNotes {
  set(key: string, value: string | number | boolean): void;
}

const IGNORE: SpanNotes = { set() {} };

/**
 * Runs `work` inside an internal span named `name` (a child of the current one, if any). A throw marks the span
 * as an error with the error's class name only, and is rethrown.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (notes: SpanNotes) => Promise<T>,
): Promise<T> {
  const tracing = active;
  if (!tracing) return work(IGNORE);
  return tracing.tracer.startActiveSpan(name, { attributes }, async (span: Span) => {
    try {
      return await work({ set: (key, value) => span.setAttribute(key, value) });
    } catch (error) {
      span.setAttribute('error.type', error instanceof Error ? error.name : 'unknown');
      span.setStatus({ code: tracing.api.SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** One span per engine batch that claimed work: how many tasks, and whether the batch was applied. */
export async function traceEngineBatch<T>(tasks: number, work: () => Promise<T>): Promise<T> {
  return inSpan('stepwise.engine.batch', { 'stepwise.engine.tasks': tasks }, async (notes) => {
    try {
      const result = await work();
      notes.set('stepwise.engine.outcome', 'applied');
      return result;
    } catch (error) {
      notes.set('stepwise.engine.outcome', 'failed');
      throw error;
    }
  });
}
