import { inject } from 'vitest';
import { useDatabaseTemplates } from '../testDatabase.ts';

// Setup file, run before each test file: its test databases copy the run's templates.
useDatabaseTemplates(inject('databaseTemplates'));
