import { buildProduction } from './buildProduction.ts';

/** Global setup of the system tier: one production build per run for the files that run compiled code. */
export default async function setup(): Promise<void> {
  await buildProduction();
}
