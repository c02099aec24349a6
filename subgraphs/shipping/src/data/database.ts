import { openServiceDatabase, type PgAdapterOptions } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type ShippingDatabase = PrismaClient;

export function openShippingDatabase(url: string, options: PgAdapterOptions = {}): ShippingDatabase {
  return openServiceDatabase(PrismaClient, url, options);
}
