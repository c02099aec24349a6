import { openServiceDatabase, type PgAdapterOptions } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type CoordinatorDatabase = PrismaClient;

export function openCoordinatorDatabase(url: string, options: PgAdapterOptions = {}): CoordinatorDatabase {
  return openServiceDatabase(PrismaClient, url, options);
}
