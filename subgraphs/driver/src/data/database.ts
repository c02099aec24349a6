import { openServiceDatabase, type PgAdapterOptions } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type DriverDatabase = PrismaClient;

export function openDriverDatabase(url: string, options: PgAdapterOptions = {}): DriverDatabase {
  return openServiceDatabase(PrismaClient, url, options);
}
