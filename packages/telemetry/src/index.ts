export { shutdownTelemetry, startTelemetry, tracingEnabled } from './startTelemetry.ts';
