import { eventBusVariables, loadVariables } from '@msd/service-kit';
import { replayDeadLetters } from '../deadLetters.ts';
import { eventBus } from '../redisConnection.ts';

// npm run events:replay -- <entry id | event id | queue> | --all: re-drives parked events into their queues.
const target = process.argv[2];
if (!target) {
  console.error('Usage: npm run events:replay -- <entry id | event id | queue name> | --all');
  process.exit(2);
}
try {
  const config = loadVariables(eventBusVariables, process.env);
  const bus = eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX });
  const replayed = await replayDeadLetters(bus, target === '--all' ? undefined : target);
  for (const entry of replayed)
    console.log(`replayed ${entry.event.type} ${entry.event.id} into ${entry.queue}`);
  console.log(replayed.length === 0 ? `Nothing parked matches "${target}".` : `${replayed.length} replayed.`);
  process.exit(0);
} catch (error) {
  console.error(`events:replay failed: ${(error as Error).message}`);
  process.exit(1);
}
