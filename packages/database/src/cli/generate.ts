import { isServiceName, serviceNames } from '@msd/registry';
import { generateClients } from '../generateClients.ts';

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !isServiceName(name));
if (unknown.length) {
  console.error(`Unknown service: ${unknown.join(', ')}. Services: ${serviceNames.join(', ')}`);
  process.exit(2);
}
try {
  await generateClients(requested.length ? requested.filter(isServiceName) : serviceNames, process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
