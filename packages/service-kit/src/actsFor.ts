import type { Caller } from './callerHeaders.ts';
import { forbidden } from './errors.ts';

/**
 * Ownership, checked by the service that owns the data: an operator acts for anyone, anyone else
 * only for itself (the token's subject). Throws FORBIDDEN, before anything is written, otherwise.
 */
export function actsFor(caller: Caller, ownerId: string, what: string): void {
  if (caller.scopes.includes('operator')) return;
  if (caller.subject !== undefined && caller.subject === ownerId) return;
  throw forbidden(`${what} belongs to someone else`, {
    ...(caller.subject === undefined ? {} : { subject: caller.subject }),
  });
}
