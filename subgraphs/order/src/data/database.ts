import { openServiceDatabase } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type OrderDatabase = PrismaClient;

export function openOrderDatabase(url: string): OrderDatabase {
  return openServiceDatabase(PrismaClient, url);
}
