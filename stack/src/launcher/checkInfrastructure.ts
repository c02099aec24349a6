import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { adminUrl } from '@msd/database';
import type { Logger } from '@msd/service-kit';
import pg from 'pg';

export const redisUrl = () => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** docker-compose.yml's Redis asks for this password (unless `REDIS_PASSWORD` sets another). */
const composeRedisPassword = () => process.env.REDIS_PASSWORD ?? 'msd-local-redis-password';

/**
 * PostgreSQL and Redis must answer before anything starts. Where they do not and a Docker engine
 * is at hand, the compose file's `postgres` and `redis` are started; otherwise the error says
 * exactly what to run.
 */
export async function checkInfrastructure(logger: Logger): Promise<void> {
  let missing = await unreachable();
  if (missing.length === 0) return;
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0) {
    logger.info('starting with docker compose', { missing: missing.join(',') });
    // Compose's Redis and PostgreSQL have passwords: this process and the ones it starts (they
    // inherit the environment) connect with them, unless REDIS_URL or DATABASE_ADMIN_URL name others.
    if (missing.includes('Redis') && !process.env.REDIS_URL)
      process.env.REDIS_URL = `redis://:${encodeURIComponent(composeRedisPassword())}@127.0.0.1:6379`;
    if (missing.includes('PostgreSQL') && !process.env.DATABASE_ADMIN_URL)
      process.env.DATABASE_ADMIN_URL = `postgresql://postgres:${encodeURIComponent(process.env.POSTGRES_PASSWORD ?? 'postgres')}@127.0.0.1:5432/postgres`;
    const up = spawnSync('docker', ['compose', 'up', '-d', 'postgres', 'redis'], { stdio: 'inherit' });
    if (up.status === 0) {
      for (let attempt = 0; attempt < 60 && missing.length > 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        missing = await unreachable();
      }
      if (missing.length === 0) return;
    }
  }
  throw new Error(
    [
      `${missing.join(' and ')} not reachable (DATABASE_ADMIN_URL=${adminUrl()}, REDIS_URL=${redisUrl()}).`,
      'Start them, then run `npm start` again:',
      '  with Docker:  docker compose up -d postgres redis',
      '  PostgreSQL:   pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
      '  Redis:        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    ].join('\n'),
  );
}

async function unreachable(): Promise<string[]> {
  const [postgres, redis] = await Promise.all([postgresAnswers(), redisAnswers()]);
  return [...(postgres ? [] : ['PostgreSQL']), ...(redis ? [] : ['Redis'])];
}

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A bare RESP `PING`: no Redis client library needed just to ask whether Redis is there. */
function redisAnswers(): Promise<boolean> {
  const url = new URL(redisUrl());
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 6379), timeout: 3_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => {
      if (url.password) socket.write(`AUTH ${decodeURIComponent(url.password)}\r\n`);
      socket.write('PING\r\n');
    });
    socket.on('data', (data) => {
      if (data.toString().includes('+PONG')) done(true);
      else if (data.toString().startsWith('-')) done(false);
    });
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
