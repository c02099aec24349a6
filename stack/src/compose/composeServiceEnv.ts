import { createHmac } from 'node:crypto';
import { type ProcessName, processes } from '@msd/registry';
import {
  consistencyTokenKey,
  eventKeyVariable,
  eventProducersNeeded,
  processSecrets,
  serviceCallerKeys,
} from '@msd/service-kit';

/**
 * Each process's `service.env` in a compose stack, drawn from the stack's root secret: its
 * SERVICE_TOKEN and SERVICE_CALLERS, the event signing keys it signs or verifies with
 * (<PRODUCER>_EVENT_KEY), and for the gateway the CONSISTENCY_TOKEN_KEY every replica shares.
 */
export function composeServiceEnv(root: string): Record<ProcessName, string> {
  const secrets = processSecrets(root);
  const callers = serviceCallerKeys(secrets);
  const eventKey = (producer: string) =>
    createHmac('sha256', root).update(`msd-event-key:${producer}`).digest('base64url');
  return Object.fromEntries(
    processes.map(({ name }) => [
      name,
      [
        `SERVICE_TOKEN=${secrets[name]}`,
        `SERVICE_CALLERS=${callers[name]}`,
        ...eventProducersNeeded(name).map(
          (producer) => `${eventKeyVariable(producer)}=${eventKey(producer)}`,
        ),
        ...(name === 'gateway' ? [`CONSISTENCY_TOKEN_KEY=${consistencyTokenKey(root)}`] : []),
        '',
      ].join('\n'),
    ]),
  ) as Record<ProcessName, string>;
}
