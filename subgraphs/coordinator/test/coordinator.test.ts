import { randomUUID } from 'node:crypto';
import { graphqlRequest, startTestSubgraph, type TestSubgraph, testServiceCalls } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CoordinatorDatabase, openCoordinatorDatabase } from '../src/data/database.ts';
import { createCoordinatorServer } from '../src/server.ts';

// The coordinator alone, with participants that cannot be reached (the discard port refuses):
// what it decides on its own. STRONG renames across real participants are in stack/test/coordinator*.
const unreachable = 'http://127.0.0.1:9/graphql';
let coordinator: TestSubgraph;
let log: CoordinatorDatabase;

beforeAll(async () => {
  coordinator = await startTestSubgraph('coordinator', ({ databaseUrl }) =>
    createCoordinatorServer({
      databaseUrl,
      services: testServiceCalls({ product: unreachable, order: unreachable }, 'coordinator'),
      participantTimeoutMs: 500,
    }),
  );
  log = openCoordinatorDatabase(coordinator.databaseUrl);
});
afterAll(async () => {
  await log?.$disconnect();
  await coordinator?.stop();
});

const rename = (id: string, name: string) =>
  graphqlRequest<{ renameProduct: { id: string } }>(
    coordinator.url,
    'mutation ($id: ID!, $name: String!) { renameProduct(id: $id, name: $name, consistency: STRONG) { id } }',
    { id, name },
    { asService: 'coordinator' },
  );

describe('coordinator service', () => {
  it('refuses bad input before logging anything', async () => {
    const blankId = randomUUID();
    const blank = await rename(blankId, '   ');
    expect(blank.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    const name = `Kettle ${randomUUID()}`;
    const malformed = await rename('not-a-product', name);
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    // Only this test's renames: the others of this file log theirs.
    expect(await log.renameTransaction.count({ where: { OR: [{ productId: blankId }, { name }] } })).toBe(0);
  });

  it('rolls back a STRONG rename whose participants cannot be reached, logs it ABORTED, and names no changed entity', async () => {
    const productId = randomUUID();
    const response = await rename(productId, 'Kettle');
    const error = response.errors?.[0]?.extensions;
    expect(error).toMatchObject({ code: 'PARTICIPANT_FAILED', phase: 'prepare', rolledBack: true });
    expect(response.extensions?.invalidation).toBeUndefined();

    const record = await log.renameTransaction.findUniqueOrThrow({
      where: { id: error?.transactionId as string },
    });
    expect(record).toMatchObject({ productId, name: 'Kettle', state: 'ABORTED', version: null });
    expect(['product', 'order']).toContain(record.failedParticipant);

    const outcome = await graphqlRequest<{ renameOutcome: { state: string } }>(
      coordinator.url,
      'query ($id: ID!) { renameOutcome(transactionId: $id) { state version } }',
      { id: record.id },
      { asService: 'coordinator' },
    );
    expect(outcome.data?.renameOutcome).toEqual({ state: 'ABORTED', version: null });
  });

  it('answers UNKNOWN for a transaction it never logged, so a participant in doubt keeps waiting', async () => {
    const { data } = await graphqlRequest<{ renameOutcome: { state: string } }>(
      coordinator.url,
      'query ($id: ID!) { renameOutcome(transactionId: $id) { state } }',
      { id: randomUUID() },
      { asService: 'coordinator' },
    );
    expect(data?.renameOutcome.state).toBe('UNKNOWN');
  });

  it('answers only callers with the service credential', async () => {
    const response = await graphqlRequest(coordinator.url, '{ __typename }');
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
