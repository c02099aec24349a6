import { openServiceDatabase } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type RideDatabase = PrismaClient;

export function openRideDatabase(url: string): RideDatabase {
  return openServiceDatabase(PrismaClient, url);
}
