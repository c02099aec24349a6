import { migrateAll } from '../migrateAll.ts';

try {
  await migrateAll();
} catch (error) {
  console.error(`db:migrate failed: ${(error as Error).message}`);
  process.exit(1);
}
