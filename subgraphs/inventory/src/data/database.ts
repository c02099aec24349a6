import { openServiceDatabase, type PgAdapterOptions } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type InventoryDatabase = PrismaClient;

export function openInventoryDatabase(url: string, options: PgAdapterOptions = {}): InventoryDatabase {
  return openServiceDatabase(PrismaClient, url, options);
}
