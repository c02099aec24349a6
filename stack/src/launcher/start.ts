import { migrateAll } from '@msd/database';
import {
  commonVariables,
  configureLogging,
  createLogger,
  defaultSubjects,
  developmentKeyFile,
  developmentToken,
  loadVariables,
  loggingOptions,
  roles,
} from '@msd/service-kit';
import { seedDemoData } from '../seed/seedDemoData.ts';
import { checkInfrastructure } from './checkInfrastructure.ts';
import { demoQueries } from './demoQueries.ts';
import { launchStack } from './launchStack.ts';
import { prefixOutput } from './prefixOutput.ts';
import { serveWebClient } from './serveWebClient.ts';

const logger = createLogger('start');

try {
  const { NODE_ENV, LOG_LEVEL, LOG_FORMAT } = loadVariables(
    {
      NODE_ENV: commonVariables.NODE_ENV,
      LOG_LEVEL: commonVariables.LOG_LEVEL,
      LOG_FORMAT: commonVariables.LOG_FORMAT,
    },
    process.env,
  );
  configureLogging(loggingOptions({ NODE_ENV, LOG_LEVEL, LOG_FORMAT: LOG_FORMAT ?? 'pretty' }));
  const keyFile = developmentKeyFile(process.env);
  await checkInfrastructure(logger, process.env);
  await migrateAll({ log: (line) => logger.info(line) });
  await seedDemoData(logger);
  const stack = await launchStack({ logger, environment: process.env, output: prefixOutput() });
  const web = await serveWebClient({
    gatewayUrl: stack.gatewayUrl,
    keyFile,
    production: NODE_ENV === 'production',
  });
  const stop = () => {
    logger.info('stopping every service');
    Promise.all([web.close(), stack.stop()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const ids = await firstProductIds(stack.gatewayUrl);
  const base = stack.gatewayUrl.replace(/\/graphql$/, '');
  const tokens = await Promise.all(
    roles.map(
      async (role) =>
        `  ${role.padEnd(9)} (${defaultSubjects[role]}): ${await developmentToken(role, undefined, { file: keyFile })}`,
    ),
  );
  console.log(
    [
      '',
      `  Web client:     ${web.url}  (sign in as customer, rider or operator)`,
      `  Gateway:        ${stack.gatewayUrl}`,
      `  Apollo Sandbox: ${base}/  (open in a browser)`,
      `  Health:         ${base}/health   Ready: ${base}/ready   Metrics: ${base}/metrics   Subgraphs: ${base}/subgraphs`,
      '',
      '  Development tokens (header  Authorization: Bearer <token>; Sandbox opens with the operator one;',
      '  `npm run token -- <role> [subject]` makes more):',
      ...tokens,
      '',
      '  Try these in Sandbox:',
      '',
      indent(demoQueries.ordersWithProducts),
      indent(demoQueries.ridesWithDrivers),
      indent(demoQueries.placeOrder(ids)),
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
} catch (error) {
  logger.error((error as Error).message);
  process.exit(1);
}

async function firstProductIds(gatewayUrl: string): Promise<string[]> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ products(first: 2) { id } }' }),
  });
  const body = (await response.json()) as { data?: { products: { id: string }[] } };
  return body.data?.products.map((p) => p.id) ?? [];
}

function indent(text: string): string {
  return `${text.replace(/^/gm, '    ')}\n`;
}
