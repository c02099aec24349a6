import { isServiceName, serviceNames } from '@msd/registry';
import { createMigration } from '../createMigration.ts';
import { migrationsDir } from '../databaseUrl.ts';
import { schemaFiles } from '../schemaFiles.ts';

const [service, ...words] = process.argv.slice(2);
const name = words.join(' ');
if (!service || !isServiceName(service) || !name) {
  console.error(
    `Usage: npm run db:migration -- <service> <name>\n  service: ${serviceNames.join(' | ')}\n  e.g.    npm run db:migration -- product add_sku_index`,
  );
  process.exit(2);
}
try {
  await createMigration({ schema: await schemaFiles(service), migrationsDir: migrationsDir(service), name });
} catch (error) {
  console.error(`db:migration failed: ${(error as Error).message}`);
  process.exit(1);
}
