import { openServiceDatabase, type PgAdapterOptions } from '@msd/database';
import { PrismaClient } from './generated/client.ts';

export type RideDatabase = PrismaClient;

export function openRideDatabase(url: string, options: PgAdapterOptions = {}): RideDatabase {
  return openServiceDatabase(PrismaClient, url, options);
}
