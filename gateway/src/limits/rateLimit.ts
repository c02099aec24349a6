import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { type Caller, type Logger, metrics } from '@msd/service-kit';
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

/** `RATE_LIMIT_POINTS` (default 50,000 cost units) per `RATE_LIMIT_WINDOW_SECONDS` (default 10); `RATE_LIMIT=off` turns it off. */
export function rateLimitConfig(env: NodeJS.ProcessEnv = process.env): RateLimitConfig | undefined {
  if (env.RATE_LIMIT === 'off') return undefined;
  const read = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return { points: read('RATE_LIMIT_POINTS', 50_000), windowSeconds: read('RATE_LIMIT_WINDOW_SECONDS', 10) };
}

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
 * by every gateway replica through Redis (rate-limiter-flexible's fixed window, one atomic command).
 * Over budget: HTTP 429 with Retry-After and `RATE_LIMITED`; nothing is planned or sent. When Redis
 * is unreachable, each replica counts in memory instead (its insurance limiter), so callers are still
 * limited, per replica, and requests never fail for it. Without Redis (tests without events) the
 * count is in memory.
 */
export function rateLimit(
  config: RateLimitConfig,
  redis: { client: Redis; prefix: string } | undefined,
  logger: Logger,
): ApolloServerPlugin<RateLimitContext> {
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
  let warned = 0;
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ contextValue }) {
          // A part of a @defer request: its admission already spent the whole operation's cost.
          if (contextValue.incremental?.role === 'part') return null;
          const cost = Math.max(1, Math.ceil(contextValue.operationCost ?? 1));
          const key = contextValue.caller.subject
            ? `subject:${contextValue.caller.subject}`
            : `address:${contextValue.clientAddress}`;
          try {
            await limiter.consume(key, Math.min(cost, config.points));
            return null;
          } catch (outcome) {
            if (!(outcome instanceof RateLimiterRes)) {
              // Neither Redis nor the insurance limiter answered: let the request through, loudly.
              if (warned++ % 100 === 0) logger.warn('rate limiter unavailable', { error: outcome });
              return null;
            }
            refused.inc();
            const retryAfter = Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));
            return {
              http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
              body: {
                kind: 'single',
                singleResult: {
                  errors: [
                    {
                      message: `Rate limit exceeded: ${config.points} cost units per ${config.windowSeconds} s; retry in ${retryAfter} s`,
                      extensions: {
                        code: 'RATE_LIMITED',
                        retryAfterSeconds: retryAfter,
                        cost,
                        remainingPoints: outcome.remainingPoints,
                      },
                    },
                  ],
                },
              },
            };
          }
        },
      };
    },
  };
}
