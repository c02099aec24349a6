import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { type Caller, type Logger, metrics } from '@msd/service-kit';
import type { GraphQLFormattedError } from 'graphql';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { IncrementalContext } from '../incremental/incrementalDelivery.ts';
import type { LimitsContext } from './operationLimits.ts';

export interface RateLimitConfig {
  /** Cost units a caller may spend per window (estimated cost of each admitted operation). */
  points: number;
  windowSeconds: number;
}

export const defaultRateLimit: RateLimitConfig = { points: 250_000, windowSeconds: 10 };

/** The context the rate limiter reads: who is asking, and from where. */
export interface RateLimitContext extends LimitsContext, IncrementalContext {
  caller: Caller;
  clientAddress: string;
}

const refused = new Counter({
  name: 'rate_limit_refusals_total',
  help: 'Operations refused because their caller spent its cost budget for the window',
  registers: [metrics],
});

/**
 * Rate limits per caller, counted in cost units: each admitted operation spends its estimated cost
 * from its caller's budget for the window (the verified subject, else the client address), shared
 * by every gateway replica through Redis (rate-limiter-flexible's fixed window), without a Redis
 * round trip per request (`localShare`). Over budget: HTTP 429 with Retry-After and `RATE_LIMITED`; nothing is planned or sent. When Redis
 * is unreachable, each replica counts in memory instead (its insurance limiter), so callers are still
 * limited, per replica, and requests never fail for it. Without Redis (tests without events) the
 * count is in memory.
 */
export function rateLimit(
  config: RateLimitConfig,
  redis: { client: Redis; prefix: string } | undefined,
  logger: Logger,
) {
  const memory = new RateLimiterMemory({ points: config.points, duration: config.windowSeconds });
  const limiter = redis
    ? new RateLimiterRedis({
        storeClient: redis.client,
        keyPrefix: `${redis.prefix}:rl`,
        points: config.points,
        duration: config.windowSeconds,
        insuranceLimiter: memory,
      })
    : memory;
  const budget = limiter instanceof RateLimiterRedis ? localShare(limiter, config) : undefined;
  let warned = 0;
  /** Spends `cost` from the caller's budget: undefined when it may go on, else the refusal. */
  const spend = async (
    context: RateLimitContext,
    requested: number,
  ): Promise<{ retryAfter: number; error: GraphQLFormattedError } | undefined> => {
    const cost = Math.max(1, Math.ceil(requested));
    const key = context.caller.subject
      ? `subject:${context.caller.subject}`
      : `address:${context.clientAddress}`;
    try {
      await (budget ?? limiter).consume(key, Math.min(cost, config.points));
      return undefined;
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) {
        // Neither Redis nor the insurance limiter answered: let the request through, loudly.
        if (warned++ % 100 === 0) logger.warn('rate limiter unavailable', { error: outcome });
        return undefined;
      }
      refused.inc();
      const retryAfter = Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));
      return {
        retryAfter,
        error: {
          message: `Rate limit exceeded: ${config.points} cost units per ${config.windowSeconds} s; retry in ${retryAfter} s`,
          extensions: {
            code: 'RATE_LIMITED',
            retryAfterSeconds: retryAfter,
            cost,
            remainingPoints: outcome.remainingPoints,
          },
        },
      };
    }
  };
  const plugin: ApolloServerPlugin<RateLimitContext> = {
    async serverWillStart() {
      return { serverWillStop: async () => budget?.stop() };
    },
    async requestDidStart() {
      return {
        async responseForOperation({ contextValue }) {
          // A part of a @defer request or a subscription's payload: its admission spent the cost.
          if (contextValue.incremental?.role === 'part') return null;
          const refusal = await spend(contextValue, contextValue.operationCost ?? 1);
          if (!refusal) return null;
          return {
            http: { status: 429, headers: new HeaderMap([['retry-after', String(refusal.retryAfter)]]) },
            body: { kind: 'single', singleResult: { errors: [refusal.error] } },
          };
        },
      };
    },
  };
  return {
    plugin,
    /** Charges a subscription's payload: its refusal's error, or undefined. */
    charge: async (context: RateLimitContext, cost: number) => (await spend(context, cost))?.error,
  };
}

/** A caller's budget as one replica sees it: consumed as of Redis's last word, plus what is on its way there or not sent yet. */
interface Share {
  consumed: number;
  inFlight: number;
  /** The caller's commands to Redis, one after another: each answer then counts every point sent before it. */
  queue: Promise<unknown>;
  unsent: number;
  windowEndsAt: number;
}

/**
 * The shared budget without a round trip per request: a replica admits an operation on its own
 * while its caller's last known consumption in Redis, plus what it admitted since, stays within the
 * budget, and sends what it admitted every `syncMs` in one increment per caller. A caller it has
 * not seen in this window, or near its limit, is decided by Redis at once (with what was admitted
 * locally). Alone, a replica counts exactly; across replicas a caller may overspend by what the
 * others admitted since their last sync (at most `syncMs` of its traffic on each), never more.
 */
function localShare(limiter: RateLimiterRedis, config: RateLimitConfig, syncMs = 100) {
  const shares = new Map<string, Share>();
  /** Sends `points` to Redis; within a window the count only grows, so a late answer never lowers it. */
  const send = async (share: Share, points: number, ask: () => Promise<RateLimiterRes>) => {
    share.inFlight += points;
    const asked = share.queue.then(ask);
    share.queue = asked.catch(() => {});
    try {
      const answer = await asked;
      learn(share, answer);
      return answer;
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) learn(share, outcome);
      else share.consumed += points; // neither Redis nor its insurance answered: counted here alone
      throw outcome;
    } finally {
      share.inFlight -= points;
    }
  };
  const learn = (share: Share, answer: RateLimiterRes) => {
    const now = Date.now();
    share.consumed =
      share.windowEndsAt > now ? Math.max(share.consumed, answer.consumedPoints) : answer.consumedPoints;
    share.windowEndsAt = now + answer.msBeforeNext;
  };
  let syncing = false;
  const sync = async () => {
    if (syncing) return;
    syncing = true;
    try {
      const now = Date.now();
      for (const [key, share] of shares) {
        if (share.windowEndsAt <= now && share.inFlight === 0) shares.delete(key);
        else if (share.unsent > 0) {
          const unsent = share.unsent;
          share.unsent = 0;
          // penalty adds the points without refusing: they were admitted already.
          await send(share, unsent, () => limiter.penalty(key, unsent)).catch(() => {});
        }
      }
    } finally {
      syncing = false;
    }
  };
  const timer = setInterval(() => void sync(), syncMs);
  timer.unref();
  return {
    async consume(key: string, cost: number): Promise<void> {
      const now = Date.now();
      let share = shares.get(key);
      if (!share) {
        share = { consumed: 0, inFlight: 0, queue: Promise.resolve(), unsent: 0, windowEndsAt: 0 };
        shares.set(key, share);
      }
      const known = share.windowEndsAt > now;
      if (known && share.consumed + share.inFlight + share.unsent + cost <= config.points) {
        share.unsent += cost;
        return;
      }
      const unsent = known ? share.unsent : 0;
      share.unsent = 0;
      await send(share, unsent + cost, () => limiter.consume(key, unsent + cost));
    },
    stop() {
      clearInterval(timer);
      return sync();
    },
  };
}
