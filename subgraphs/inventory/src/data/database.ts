import { openServiceDatabase } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type InventoryDatabase = PrismaClient;

export function openInventoryDatabase(url: string): InventoryDatabase {
  return openServiceDatabase(PrismaClient, url);
}
