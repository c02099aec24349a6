import { createLogger } from '@msd/service-kit';
import { seedDemoData } from './seedDemoData.ts';

const logger = createLogger('seed');
try {
  await seedDemoData(logger);
} catch (error) {
  logger.error(`seed failed: ${(error as Error).message}`);
  process.exit(1);
}
