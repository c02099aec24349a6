import { trace } from '@opentelemetry/api';

/**
 * Whether the work running now belongs to a trace that is recorded (tracing on and this request
 * sampled): code that takes a shortcut skipping instrumented steps takes the full path then, so
 * the trace shows every span.
 */
export function traceRecorded(): boolean {
  return trace.getActiveSpan()?.isRecording() === true;
}
