import { openServiceDatabase } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type DriverDatabase = PrismaClient;

export function openDriverDatabase(url: string): DriverDatabase {
  return openServiceDatabase(PrismaClient, url);
}
