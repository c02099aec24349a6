import { eventBusVariables, loadVariables } from '@msd/service-kit';
import { listDeadLetters } from '../deadLetters.ts';
import { eventBus } from '../redisConnection.ts';

// npm run events:dlq [-- <queue>]: lists parked events, newest last, with the error that parked them.
const queue = process.argv[2];
try {
  const config = loadVariables(eventBusVariables, process.env);
  const bus = eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX });
  const parked = await listDeadLetters(bus, queue);
  if (parked.length === 0) {
    console.log(queue ? `No parked events from ${queue}.` : 'No parked events.');
  } else {
    console.table(
      parked.map((entry) => ({
        entry: entry.id,
        queue: entry.queue,
        event: entry.event.id,
        type: entry.event.type,
        aggregate: entry.event.aggregateId,
        version: entry.event.version,
        attempts: entry.attempts,
        parkedAt: entry.parkedAt,
        error: entry.error.split('\n')[0],
      })),
    );
    console.log(
      `${parked.length} parked. Replay with: npm run events:replay -- <entry | event id | queue | --all>`,
    );
  }
  process.exit(0);
} catch (error) {
  console.error(`events:dlq failed: ${(error as Error).message}`);
  process.exit(1);
}
