import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { type GraphQLResolveInfo, responsePathAsArray } from 'graphql';
import { Counter } from 'prom-client';
import { metrics } from './metrics.ts';
import type { ConsistencyReadOptions } from './processConfig.ts';

/** The client's token (gateway only: signed, opaque to everyone else). */
export const CONSISTENCY_TOKEN_HEADER = 'x-consistency-token';
/**
 * What the gateway verified a client's token names, for a subgraph: `product:<id>@<version>`,
 * comma-separated. Only meaningful behind the service-credential check, like the caller headers.
 */
export const CONSISTENCY_ENTRIES_HEADER = 'x-consistency-entries';

/** An aggregate at a version: what a write produced, or what a read must reflect. */
export interface AggregateVersion {
  /** `product:<id>`, `driver:<id>`, `order:<id>`. */
  key: string;
  version: number;
}

/** How a read named by a token was answered. */
export type ConsistencyOutcome = 'fresh' | 'waited' | 'owner' | 'stale';

/** `extensions.consistency` of an answer, per service. */
export type ConsistencyReport = Record<string, Partial<Record<ConsistencyOutcome | 'waitedMs', number>>>;

const consistencyReads = new Counter({
  name: 'consistency_reads_total',
  help: 'Reads of a copy that a consistency token named, by how they were answered (fresh, waited for the consumer, read from the owner, stale)',
  labelNames: ['service', 'outcome'] as const,
  registers: [metrics],
});

/** Counts reads named by a token by how they were answered (the gateway's cache counts its own). */
export function countConsistencyReads(service: string, outcome: ConsistencyOutcome, n = 1): void {
  consistencyReads.inc({ service, outcome }, n);
}

export function formatEntries(entries: readonly AggregateVersion[]): string {
  return entries.map((entry) => `${entry.key}@${entry.version}`).join(',');
}

/** Entries of the form `type:id@version`; anything else is skipped. */
export function parseEntries(text: string | undefined): AggregateVersion[] {
  if (!text) return [];
  return text.split(',').flatMap((item) => {
    const match = /^([a-z]+:[\w-]{1,64})@(\d{1,9})$/.exec(item.trim());
    return match ? [{ key: match[1] as string, version: Number(match[2]) }] : [];
  });
}

export type { GraphQLResolveInfo };

/** A copy's value, and the version of its owner it reflects. */
export interface VersionedValue<T> {
  value: T;
  version: number;
}

/** How a service brings a copied field up to what a token names. */
export interface CopyRead<T> {
  /** The owner's aggregate, `product:<id>`. */
  key: string;
  /** What the row read holds. */
  copy: VersionedValue<T>;
  /** Where the field is in the answer, for the stale error. */
  path: GraphQLResolveInfo['path'];
  /** Resolves with the copy once the consumer applied at least `version`, or undefined after `timeoutMs`. */
  awaitCopy: (
    version: number,
    timeoutMs: number,
  ) => Promise<(VersionedValue<T> & { waited: boolean }) | undefined>;
  /** The owner's current value (the same call the write path makes); throws when it cannot answer. */
  readOwner: () => Promise<VersionedValue<T> | undefined>;
}

/**
 * One request's read-your-writes state in a subgraph: what the caller's token requires (from the
 * gateway's header), what this request wrote (reported to the gateway as `extensions.written`) and
 * how required reads were answered (`extensions.consistency`).
 */
export class RequestConsistency {
  readonly required: ReadonlyMap<string, number>;
  readonly written: AggregateVersion[] = [];
  readonly outcomes = new Map<ConsistencyOutcome, number>();
  readonly staleErrors: { message: string; path: (string | number)[]; extensions: { code: string } }[] = [];
  waitedMs = 0;
  private readonly pending = new Map<string, Promise<VersionedValue<unknown> | undefined>>();

  constructor(
    readonly service: string,
    entries: readonly AggregateVersion[],
    /** How long a read waits for the service's own consumer, then for the owner. */
    readonly options: ConsistencyReadOptions,
  ) {
    this.required = new Map(entries.map((entry) => [entry.key, entry.version]));
  }

  static fromHeaders(service: string, headers: IncomingHttpHeaders, options: ConsistencyReadOptions) {
    const header = headers[CONSISTENCY_ENTRIES_HEADER];
    return new RequestConsistency(
      service,
      parseEntries(typeof header === 'string' ? header : undefined),
      options,
    );
  }

  /** Records an aggregate this request's mutation wrote, at the version it now has. */
  wrote(key: string, version: number): void {
    this.written.push({ key, version });
  }

  /**
   * The copy's value if it reflects what the token requires of its owner; else, once the consumer
   * has applied it (waited at most `waitMs`); else the owner's (answered within `ownerTimeoutMs`);
   * else the copy, with an error at its path saying it may be stale. Both bounds keep the read
   * inside the caller's own time budget. Waits and owner reads are shared by the fields of one request.
   */
  async read<T>(field: CopyRead<T>): Promise<T> {
    const required = this.required.get(field.key);
    if (required === undefined) return field.copy.value;
    if (field.copy.version >= required) {
      this.count('fresh');
      return field.copy.value;
    }
    let pending = this.pending.get(field.key) as Promise<VersionedValue<T> | undefined> | undefined;
    if (!pending) {
      pending = this.bringUpToDate(field, required);
      this.pending.set(field.key, pending);
    }
    const fresh = await pending;
    if (fresh) return fresh.value;
    this.count('stale');
    this.staleErrors.push({
      message: `This value may be older than your last write (${field.key}@${required}): its owner could not be reached`,
      path: responsePathAsArray(field.path),
      extensions: { code: 'STALE_READ' },
    });
    return field.copy.value;
  }

  private async bringUpToDate<T>(field: CopyRead<T>, required: number) {
    const started = performance.now();
    const applied = await field.awaitCopy(required, this.options.waitMs).catch(() => undefined);
    if (applied && applied.version >= required) {
      if (applied.waited) this.waitedMs = Math.max(this.waitedMs, Math.round(performance.now() - started));
      this.count(applied.waited ? 'waited' : 'fresh');
      return applied;
    }
    // A slow owner must not outlast the gateway's timeout: past the bound, the answer is the stale copy.
    const deadline = new AbortController();
    const owner = await Promise.race([
      field.readOwner(),
      sleep(this.options.ownerTimeoutMs, undefined, { signal: deadline.signal, ref: false }),
    ])
      .catch(() => undefined)
      .finally(() => deadline.abort());
    if (owner && owner.version >= required) {
      this.count('owner');
      return owner;
    }
    return undefined;
  }

  private count(outcome: ConsistencyOutcome) {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    consistencyReads.inc({ service: this.service, outcome });
  }

  report(): ConsistencyReport | undefined {
    if (this.outcomes.size === 0) return undefined;
    return {
      [this.service]: {
        ...Object.fromEntries(this.outcomes),
        ...(this.waitedMs > 0 ? { waitedMs: this.waitedMs } : {}),
      },
    };
  }
}

/**
 * Sends a request's consistency state with its answer: what it wrote (`extensions.written`, for
 * the gateway's token; never reaches a client), how token reads were answered
 * (`extensions.consistency`), and an error at each path answered from a stale copy.
 */
export function consistencyPlugin<TContext extends BaseContext>(
  of: (context: TContext) => RequestConsistency | undefined,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const consistency = of(contextValue);
          if (!consistency || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const report = consistency.report();
          if (consistency.written.length > 0 || report)
            result.extensions = {
              ...result.extensions,
              ...(consistency.written.length > 0 ? { written: formatEntries(consistency.written) } : {}),
              ...(report ? { consistency: report } : {}),
            };
          if (consistency.staleErrors.length > 0)
            result.errors = [...(result.errors ?? []), ...consistency.staleErrors];
        },
      };
    },
  };
}
