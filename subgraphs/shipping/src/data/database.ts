import { openServiceDatabase } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type ShippingDatabase = PrismaClient;

export function openShippingDatabase(url: string): ShippingDatabase {
  return openServiceDatabase(PrismaClient, url);
}
