import { openServiceDatabase } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type CoordinatorDatabase = PrismaClient;

export function openCoordinatorDatabase(url: string): CoordinatorDatabase {
  return openServiceDatabase(PrismaClient, url);
}
