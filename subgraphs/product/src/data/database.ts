import { openServiceDatabase } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type ProductDatabase = PrismaClient;

export function openProductDatabase(url: string): ProductDatabase {
  return openServiceDatabase(PrismaClient, url);
}
