import { inject } from 'vitest';
import { useDatabaseTemplates } from '../testDatabase.ts';

// Setup file, run before each test file: its test databases copy the run's templates, and the run
// drops them at its end.
useDatabaseTemplates(inject('databaseTemplates'), { runId: inject('testDatabaseRun') });
