import { type RenameParticipantName, renameCalls, renameProtocol } from '@msd/coordination';
import { createServiceClient, type ServiceCalls, type ServiceClient } from '@msd/service-kit';

export type ParticipantName = RenameParticipantName;

/** What a participant needs to know about a transaction. */
export interface RenameIntent {
  id: string;
  productId: string;
  name: string;
}

/** One participant of a STRONG rename, through its internal API (service credential, timeout). */
export interface Participant {
  name: ParticipantName;
  prepare(rename: RenameIntent): Promise<void>;
  /** Applies the rename; the product returns the version it committed, the order needs it. */
  commit(rename: RenameIntent, version: number | null): Promise<number>;
  abort(rename: RenameIntent): Promise<void>;
}

export interface ParticipantOptions {
  /** Where the product and order services are, and the credential. */
  calls: ServiceCalls;
  /** Each call to a participant fails after this long without an answer. */
  timeoutMs: number;
}

/**
 * The participants of a rename, in commit order: the product service first (it owns the name and
 * assigns the version), then the order service's copies at that version.
 */
export function renameParticipants(options: ParticipantOptions): [Participant, Participant] {
  const product = createServiceClient('product', options.calls, { timeoutMs: options.timeoutMs });
  const order = createServiceClient('order', options.calls, { timeoutMs: options.timeoutMs });
  return [participant('product', product), participant('order', order)];
}

/** A participant called through its protocol fields (`renameProtocol` of @msd/coordination). */
function participant(name: ParticipantName, client: ServiceClient): Participant {
  const calls = renameCalls(name);
  const commitsAtVersion = renameProtocol[name].commitsAtVersion;
  return {
    name,
    async prepare({ id, productId, name: newName }) {
      await client.request(calls.prepare, { id, productId, name: newName });
    },
    async commit({ id }, version) {
      if (commitsAtVersion && version === null)
        throw new Error(`The ${name} copies commit at the version the product committed`);
      const data = await client.request<Record<string, number>>(
        calls.commit,
        commitsAtVersion ? { id, version } : { id },
      );
      return data[calls.commitField] as number;
    },
    async abort({ id, productId }) {
      await client.request(calls.abort, { id, productId });
    },
  };
}
