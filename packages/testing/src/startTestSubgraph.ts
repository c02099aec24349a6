import type { ServiceName } from '@msd/registry';
import {
  type ServiceCalls,
  type ServiceUrls,
  type SubgraphServer,
  serviceToken,
  serviceUrls,
} from '@msd/service-kit';
import { createTestDatabase } from './testDatabase.ts';

export interface TestSubgraph {
  url: string;
  databaseUrl: string;
  server: SubgraphServer;
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

/**
 * How a test's services call each other: the development credential, and the registry's ports
 * unless `urls` names where a test started a service.
 */
export function testServiceCalls(urls: Partial<ServiceUrls> = {}): ServiceCalls {
  return { urls: { ...serviceUrls(), ...urls }, token: serviceToken() };
}

/**
 * A real subgraph on a free port with a database of its own (fresh, migrated, dropped afterwards):
 * test files never share data, so they can run side by side.
 */
export async function startTestSubgraph(
  service: ServiceName,
  create: (options: { databaseUrl: string; services: ServiceCalls }) => SubgraphServer,
  port = 0,
): Promise<TestSubgraph> {
  const database = await createTestDatabase(service);
  const server = create({ databaseUrl: database.url, services: testServiceCalls() });
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
