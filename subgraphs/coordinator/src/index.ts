import { startTelemetry } from '@msd/telemetry';

// Tracing first: what it instruments (http, pg, graphql) must load after it.
await startTelemetry('coordinator', process.env);
const { serviceDatabase } = await import('@msd/database');
const { ConfigError, eventTimings, runProcess, serviceCalls } = await import('@msd/service-kit');
const { coordinatorVariables } = await import('./config.ts');

await runProcess(
  'coordinator',
  process.env,
  async (config) => {
    // A crash drill is a test hook: a production coordinator that kills itself is refused at start.
    if (config.NODE_ENV === 'production' && config.COORDINATOR_CRASH_AFTER)
      throw new ConfigError(['COORDINATOR_CRASH_AFTER: is a test hook, refused in production']);
    const { createCoordinatorServer } = await import('./server.ts');
    return createCoordinatorServer({
      ...serviceDatabase('coordinator', config),
      services: serviceCalls('coordinator', config),
      timings: eventTimings(config),
      participantTimeoutMs: config.RENAME_PARTICIPANT_TIMEOUT_MS,
      commitDeadlineMs: config.RENAME_COMMIT_DEADLINE_MS,
      crashAfter: config.COORDINATOR_CRASH_AFTER,
      recoveryIntervalMs: config.RENAME_RECOVERY_INTERVAL_MS,
      staleAfterMs: config.RENAME_RECOVERY_AFTER_MS,
    });
  },
  coordinatorVariables,
);
