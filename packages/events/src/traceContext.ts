import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/** W3C trace context (`traceparent`, `tracestate`) as stored in an outbox row and a BullMQ job. */
export type TraceCarrier = Record<string, string>;

const tracer = trace.getTracer('@msd/events');

/** The active trace, to store with an outbox row; null outside a trace (or with tracing off). */
export function captureTraceContext(): TraceCarrier | null {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length > 0 ? carrier : null;
}

/**
 * The relay's span for handing one outbox row to the queue, a child of the trace that wrote the
 * row; the carrier of that span goes into the job, so the consumer continues from it.
 */
export function startPublishSpan(
  stored: TraceCarrier | null,
  attributes: { type: string; queues: string[] },
): { span: Span; carrier: TraceCarrier } | undefined {
  if (!stored) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, stored);
  const span = tracer.startSpan(
    `publish ${attributes.type}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'bullmq',
        'messaging.operation.type': 'send',
        'messaging.destination.name': attributes.queues.join(','),
      },
    },
    parent,
  );
  const carrier: TraceCarrier = {};
  propagation.inject(trace.setSpan(parent, span), carrier);
  return { span, carrier };
}

/** Runs a consumer's handling of one job inside a span continuing the producer's trace. */
export async function continueTrace<T>(
  carrier: TraceCarrier | undefined,
  queue: string,
  work: () => Promise<T>,
): Promise<T> {
  if (!carrier) return work();
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  return tracer.startActiveSpan(
    `process ${queue}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'bullmq',
        'messaging.operation.type': 'process',
        'messaging.destination.name': queue,
      },
    },
    parent,
    async (span) => {
      try {
        return await work();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
