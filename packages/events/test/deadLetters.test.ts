import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { clearEventBus, deadLetterQueue, eventBus } from '../src/index.ts';

const bus = eventBus({ prefix: `test-${randomUUID()}` });
afterAll(() => clearEventBus(bus));

/** Runs one of the operator commands as `npm run events:*` does, against this test's queues. */
function cli(script: 'dlq' | 'replay', ...args: string[]) {
  const file = fileURLToPath(new URL(`../src/cli/${script}.ts`, import.meta.url));
  const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], {
    env: { ...process.env, EVENTS_PREFIX: bus.prefix },
    encoding: 'utf8',
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('dead-letter commands', () => {
  it('list parked events with their error, and replay one into its original queue', async () => {
    const event = {
      id: randomUUID(),
      type: 'ProductUpdated',
      aggregateId: randomUUID(),
      version: 7,
      payload: {},
    };
    const dlq = deadLetterQueue(bus);
    await dlq.add(
      'parked',
      {
        queue: 'ProductUpdated.order',
        event,
        error: 'Malformed ProductUpdated payload',
        attempts: 1,
        parkedAt: new Date().toISOString(),
      },
      { jobId: `ProductUpdated.order.${event.id}` },
    );
    await dlq.close();

    const listed = cli('dlq');
    expect(listed.status).toBe(0);
    expect(listed.output).toContain(event.id);
    expect(listed.output).toContain('Malformed ProductUpdated payload');

    expect(cli('replay').status).toBe(2);
    const replayed = cli('replay', event.id);
    expect(replayed).toMatchObject({ status: 0 });
    expect(replayed.output).toContain('1 replayed');

    const target = new Queue('ProductUpdated.order', bus);
    const jobs = await target.getJobs(['waiting']);
    await target.close();
    expect(jobs.map((job) => job.data.id)).toEqual([event.id]);
    expect(cli('dlq').output).toContain('No parked events');
  });
});
