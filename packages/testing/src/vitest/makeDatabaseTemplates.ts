// `node --import tsx makeDatabaseTemplates.ts <runId>`: makes the run's templates and prints them as
// JSON. A process of its own: the vitest process also runs the e2e stack's migrations, and Prisma's
// schema engine (WASM) crashed it when used there again.
import { serviceNames } from '@msd/registry';
import { createDatabaseTemplates } from '../testDatabase.ts';

const { templates } = await createDatabaseTemplates(serviceNames, process.argv[2] ?? 'run');
process.stdout.write(JSON.stringify(templates));
