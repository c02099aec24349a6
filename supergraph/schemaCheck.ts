import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkSchema } from './checkSchema.ts';
import { composeSupergraph, supergraphFile } from './composeSupergraph.ts';
import { formatSchemaCheck } from './formatSchemaCheck.ts';
import { registeredOperations } from './registeredOperations.ts';

// `npm run schema:check [-- --base <git ref>]`: composes the subgraph SDL files and checks the result
// against the supergraph clients use today: the committed file (default), or the one at a git ref
// (CI on a pull request: the target branch). Exit 1 on a breaking change or an invalid operation,
// unless SCHEMA_CHECK_ALLOW_BREAKING=true (a breaking change made on purpose, announced to clients).
const { values } = parseArgs({ options: { base: { type: 'string' } } });
// Read once, here: a CLI of its own, not a service process.
const { SCHEMA_CHECK_BASE, SCHEMA_CHECK_ALLOW_BREAKING, GITHUB_ACTIONS } = process.env;
const base = values.base ?? SCHEMA_CHECK_BASE;
try {
  const baseSupergraph = base
    ? execFileSync('git', ['show', `${base}:supergraph/supergraph.graphql`], { encoding: 'utf8' })
    : readFileSync(supergraphFile, 'utf8');
  const report = await checkSchema({
    baseSupergraph,
    newSupergraph: composeSupergraph(),
    operations: registeredOperations(),
  });
  console.log(
    formatSchemaCheck(report, {
      base: base ? `supergraph/supergraph.graphql at ${base}` : 'the committed supergraph/supergraph.graphql',
      github: GITHUB_ACTIONS === 'true',
    }),
  );
  if (!report.passed) {
    if (SCHEMA_CHECK_ALLOW_BREAKING === 'true')
      console.log('SCHEMA_CHECK_ALLOW_BREAKING=true: not failing the build');
    else process.exit(1);
  }
} catch (error) {
  console.error(`Schema check could not run: ${(error as Error).message}`);
  process.exit(2);
}
