import { openServiceDatabase, type PgAdapterOptions } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type ProductDatabase = PrismaClient;

export function openProductDatabase(url: string, options: PgAdapterOptions = {}): ProductDatabase {
  return openServiceDatabase(PrismaClient, url, options);
}
