export { shutdownTelemetry, startTelemetry, tracingEnabled } from './startTelemetry.ts';
export { traceRecorded } from './traceRecorded.ts';
