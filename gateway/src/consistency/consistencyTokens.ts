import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  type AggregateVersion,
  CONSISTENCY_TOKEN_HEADER,
  ConfigError,
  type ConsistencyReport,
  type Logger,
  loadConfig,
  metrics,
} from '@msd/service-kit';
import { Counter } from 'prom-client';
import { z } from 'zod';

export interface ConsistencyTokenConfig {
  /** HMAC key shared by every replica (`CONSISTENCY_TOKEN_KEY`). */
  key: string;
  /** How long an entry is honoured after its write (`CONSISTENCY_TOKEN_TTL_MS`): past it, convergence is assumed. */
  ttlMs: number;
  /** Entries kept at most (`CONSISTENCY_TOKEN_MAX_ENTRIES`): the oldest writes are dropped first. */
  maxEntries: number;
}

/**
 * The longest token of `maxEntries` entries: an entry is at most 116 characters of JSON (a 16-letter
 * type, a 64-character id, two 16-digit numbers), 155 in base64url; plus the envelope and the
 * signature. Longer tokens are refused unread (oversized), whatever their signature.
 */
const maxTokenChars = (maxEntries: number) => 160 * maxEntries + 128;
const DEVELOPMENT_KEY = 'development consistency token key, never used in production';

export const consistencyTokenVariables = {
  CONSISTENCY_TOKEN_KEY: z
    .string()
    .min(32, 'at least 32 characters')
    .optional()
    .describe(
      'Signs read-your-writes tokens: the same on every gateway replica (required in production; a development key otherwise)',
    ),
  CONSISTENCY_TOKEN_TTL_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(60_000)
    .describe('How long after a write its token entry is honoured; past it, convergence is assumed'),
  CONSISTENCY_TOKEN_MAX_ENTRIES: z.coerce
    .number()
    .int()
    .min(1)
    .max(256)
    .default(32)
    .describe(
      'Writes a token remembers: the oldest are dropped past it; a token longer than that many entries make is refused (oversized)',
    ),
};

/** The token variables as the gateway's schema parsed them (with `NODE_ENV`). */
export type ConsistencyTokenVariables = z.output<z.ZodObject<typeof consistencyTokenVariables>> & {
  NODE_ENV?: string | undefined;
};

/** The token settings of the parsed variables; production requires a key of its own (replicas share it). */
export function consistencyTokenConfig(config: ConsistencyTokenVariables): ConsistencyTokenConfig {
  const key = config.CONSISTENCY_TOKEN_KEY ?? DEVELOPMENT_KEY;
  if (config.NODE_ENV === 'production' && key === DEVELOPMENT_KEY)
    throw new ConfigError([
      'CONSISTENCY_TOKEN_KEY: required in production (32+ characters, the same on every gateway replica; not the development key)',
    ]);
  return { key, ttlMs: config.CONSISTENCY_TOKEN_TTL_MS, maxEntries: config.CONSISTENCY_TOKEN_MAX_ENTRIES };
}

/** The token settings of an environment given whole (tests, and a server built without them). */
export function consistencyTokenConfigOf(env: NodeJS.ProcessEnv): ConsistencyTokenConfig {
  return consistencyTokenConfig(
    loadConfig(z.looseObject({ NODE_ENV: z.string().optional(), ...consistencyTokenVariables }), env),
  );
}

/** A written aggregate version and when it was written (ms since the epoch), as a token holds it. */
type TokenEntry = [key: string, version: number, writtenAt: number];

const tokenPayload = z.object({
  e: z.array(
    z.tuple([
      z.string().regex(/^[a-z]{1,16}:[\w-]{1,64}$/),
      z.int().min(0).max(Number.MAX_SAFE_INTEGER),
      z.int().min(0).max(Number.MAX_SAFE_INTEGER),
    ]),
  ),
});

/** One request's token state at the gateway: what it must reflect, what it wrote, how it was honoured. */
export interface GatewayConsistency {
  /** The verified, unexpired entries of the client's token: forwarded to the subgraphs. */
  required: AggregateVersion[];
  /** What the subgraphs report this request's mutations wrote. */
  written: AggregateVersion[];
  /** `extensions.consistency` of the subgraphs' answers, merged per service. */
  report: ConsistencyReport;
  /** Entries kept from the client's token, for the merged token. */
  entries: TokenEntry[];
}

const rejected = new Counter({
  name: 'consistency_tokens_rejected_total',
  help: 'Consistency tokens ignored, by reason (forged, malformed, expired, oversized)',
  labelNames: ['reason'] as const,
  registers: [metrics],
});
const issued = new Counter({
  name: 'consistency_tokens_issued_total',
  help: 'Answers that carried a consistency token',
  registers: [metrics],
});

/**
 * Read-your-writes tokens. A token is `<payload>.<signature>`: base64url JSON of the written
 * aggregate versions with their write times, signed with HMAC-SHA256 under a key every replica
 * shares, so any replica honours any replica's token. A token that is forged, malformed, expired or
 * oversized is ignored (counted and logged), never an error: the read is then merely eventual.
 */
export function consistencyTokens(config: ConsistencyTokenConfig, logger: Logger) {
  const sign = (payload: string) => createHmac('sha256', config.key).update(payload).digest('base64url');

  const reject = (reason: 'forged' | 'malformed' | 'expired' | 'oversized') => {
    rejected.inc({ reason });
    logger.warn('consistency token ignored', { reason });
  };

  /** The entries of a client's token that are genuine and still within their life. */
  const verify = (token: string | string[] | undefined): TokenEntry[] => {
    if (typeof token !== 'string' || token === '') return [];
    if (token.length > maxTokenChars(config.maxEntries)) {
      reject('oversized');
      return [];
    }
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) {
      reject('malformed');
      return [];
    }
    const expected = Buffer.from(sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      reject('forged');
      return [];
    }
    let entries: TokenEntry[];
    try {
      entries = tokenPayload.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).e;
    } catch {
      reject('malformed');
      return [];
    }
    const now = Date.now();
    const live = entries.filter(([, , writtenAt]) => now - writtenAt <= config.ttlMs);
    if (entries.length > 0 && live.length === 0) reject('expired');
    return live;
  };

  /** The client's entries and this request's writes: newest version per aggregate, the newest writes kept. */
  const issue = (entries: TokenEntry[], written: AggregateVersion[]): string => {
    const now = Date.now();
    const merged = new Map<string, TokenEntry>();
    for (const entry of [...entries, ...written.map((w): TokenEntry => [w.key, w.version, now])]) {
      const held = merged.get(entry[0]);
      if (!held || entry[1] >= held[1]) merged.set(entry[0], entry);
    }
    const kept = [...merged.values()].sort((a, b) => a[2] - b[2]).slice(-config.maxEntries);
    const payload = Buffer.from(JSON.stringify({ e: kept })).toString('base64url');
    return `${payload}.${sign(payload)}`;
  };

  return {
    /** The per-request state from the client's `x-consistency-token` header. */
    read(token: string | string[] | undefined): GatewayConsistency {
      const entries = verify(token);
      return {
        entries,
        required: entries.map(([key, version]) => ({ key, version })),
        written: [],
        report: {},
      };
    },
    issue,
    /**
     * Answers carry the merged token (header and `extensions.consistencyToken`) when the request
     * wrote something or carried a valid token, and `extensions.consistency` when a subgraph
     * honoured it.
     */
    plugin: {
      async requestDidStart() {
        return {
          async willSendResponse({ response, contextValue }) {
            const { consistency } = contextValue;
            if (!consistency) return;
            const carry = consistency.written.length > 0 || consistency.entries.length > 0;
            const reported = Object.keys(consistency.report).length > 0;
            if (!carry && !reported) return;
            const token = carry ? issue(consistency.entries, consistency.written) : undefined;
            if (token) {
              response.http.headers.set(CONSISTENCY_TOKEN_HEADER, token);
              issued.inc();
            }
            if (response.body.kind !== 'single') return;
            const result = response.body.singleResult;
            result.extensions = {
              ...result.extensions,
              ...(token ? { consistencyToken: token } : {}),
              ...(reported ? { consistency: consistency.report } : {}),
            };
          },
        };
      },
    } satisfies ApolloServerPlugin<{ consistency?: GatewayConsistency }>,
  };
}

/** Adds one subgraph's `extensions.consistency` to a request's report (counts summed, the longest wait kept). */
export function mergeReport(into: ConsistencyReport, report: ConsistencyReport): void {
  for (const [service, outcomes] of Object.entries(report)) {
    const held = into[service] ?? {};
    into[service] = held;
    for (const [outcome, n] of Object.entries(outcomes) as [keyof typeof outcomes, number][])
      held[outcome] = outcome === 'waitedMs' ? Math.max(held[outcome] ?? 0, n) : (held[outcome] ?? 0) + n;
  }
}
