import { openServiceDatabase, type PgAdapterOptions } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type OrderDatabase = PrismaClient;

export function openOrderDatabase(url: string, options: PgAdapterOptions = {}): OrderDatabase {
  return openServiceDatabase(PrismaClient, url, options);
}
