import type { ProcessName, ServiceName } from '@msd/registry';
import { type ServiceCalls, type ServiceUrls, type SubgraphServer, serviceCalls } from '@msd/service-kit';
import { createTestDatabase } from './testDatabase.ts';

export interface TestSubgraph {
  url: string;
  databaseUrl: string;
  server: SubgraphServer;
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

/**
 * How `caller` calls other services in a test, and whom it accepts: its development credentials
 * (NODE_ENV=test), and the registry's ports unless `urls` names where a test started a service.
 */
export function testServiceCalls(urls: Partial<ServiceUrls>, caller: ProcessName): ServiceCalls {
  const calls = serviceCalls(caller, { NODE_ENV: 'test' });
  return { ...calls, urls: { ...calls.urls, ...urls } };
}

/**
 * A real subgraph on a free port with a database of its own (fresh, migrated, dropped afterwards):
 * test files never share data, so they can run side by side.
 */
export async function startTestSubgraph(
  service: ServiceName,
  create: (options: {
    databaseUrl: string;
    databasePoolMax: number;
    services: ServiceCalls;
  }) => SubgraphServer,
  port = 0,
): Promise<TestSubgraph> {
  const database = await createTestDatabase(service);
  // Two connections per service: test files run side by side on one PostgreSQL (100 connections).
  const server = create({
    databaseUrl: database.url,
    databasePoolMax: 2,
    services: testServiceCalls({}, service),
  });
  const { url } = await server.listen(port);
  return {
    url,
    databaseUrl: database.url,
    server,
    async stop() {
      await server.stop();
      await database.drop();
    },
  };
}
