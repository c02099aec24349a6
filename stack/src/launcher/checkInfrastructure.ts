import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { databaseVariables, eventBusVariables, type Logger, loadVariables } from '@msd/service-kit';
import pg from 'pg';

/** Where PostgreSQL and Redis are: this process's `DATABASE_ADMIN_URL` and `REDIS_URL`. */
export interface Infrastructure {
  adminUrl: string;
  redisUrl: string;
}

/** The infrastructure of an environment (the launcher's, the test and bench setups'). */
export function environmentInfrastructure(environment: NodeJS.ProcessEnv): Infrastructure {
  const variables = loadVariables(
    { DATABASE_ADMIN_URL: databaseVariables.DATABASE_ADMIN_URL, REDIS_URL: eventBusVariables.REDIS_URL },
    environment,
  );
  return { adminUrl: variables.DATABASE_ADMIN_URL, redisUrl: variables.REDIS_URL };
}

/**
 * PostgreSQL and Redis of `environment` must answer before anything starts. Where they do not and
 * a Docker engine is at hand, the compose file's `postgres` and `redis` are started (and their
 * passwords written into `environment`, which the processes started next inherit); otherwise the
 * error says exactly what to run. Call it before anything reads the database settings.
 */
export async function checkInfrastructure(logger: Logger, environment: NodeJS.ProcessEnv): Promise<void> {
  let infrastructure = environmentInfrastructure(environment);
  const { adminUrl, redisUrl } = infrastructure;
  let missing = await unreachable(infrastructure);
  if (missing.length === 0) return;
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0) {
    logger.info('starting with docker compose', { missing: missing.join(',') });
    // Compose's Redis and PostgreSQL have passwords: this process and the ones it starts (they
    // inherit the environment) connect with them, unless REDIS_URL or DATABASE_ADMIN_URL name others.
    // docker-compose.yml's Redis asks for this password (unless `REDIS_PASSWORD` sets another).
    if (missing.includes('Redis') && !environment.REDIS_URL)
      environment.REDIS_URL = `redis://:${encodeURIComponent(environment.REDIS_PASSWORD ?? 'msd-local-redis-password')}@127.0.0.1:6379`;
    if (missing.includes('PostgreSQL') && !environment.DATABASE_ADMIN_URL)
      environment.DATABASE_ADMIN_URL = `postgresql://postgres:${encodeURIComponent(environment.POSTGRES_PASSWORD ?? 'postgres')}@127.0.0.1:5432/postgres`;
    infrastructure = environmentInfrastructure(environment);
    const up = spawnSync('docker', ['compose', 'up', '-d', 'postgres', 'redis'], { stdio: 'inherit' });
    if (up.status === 0) {
      for (let attempt = 0; attempt < 60 && missing.length > 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        missing = await unreachable(infrastructure);
      }
      if (missing.length === 0) return;
    }
  }
  throw new Error(
    [
      `${missing.join(' and ')} not reachable (DATABASE_ADMIN_URL=${adminUrl}, REDIS_URL=${redisUrl}).`,
      'Start them, then run `npm start` again:',
      '  with Docker:  docker compose up -d postgres redis',
      '  PostgreSQL:   pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
      '  Redis:        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    ].join('\n'),
  );
}

async function unreachable({ adminUrl, redisUrl }: Infrastructure): Promise<string[]> {
  const [postgres, redis] = await Promise.all([postgresAnswers(adminUrl), redisAnswers(redisUrl)]);
  return [...(postgres ? [] : ['PostgreSQL']), ...(redis ? [] : ['Redis'])];
}

async function postgresAnswers(adminUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
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
function redisAnswers(redisUrl: string): Promise<boolean> {
  const url = new URL(redisUrl);
  return new Promise((resolve) => {
    const target = { host: url.hostname, port: Number(url.port || 6379), timeout: 3_000 };
    const tls = url.protocol === 'rediss:';
    const socket = tls ? connectTls({ ...target, servername: url.hostname }) : connect(target);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once(tls ? 'secureConnect' : 'connect', () => {
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
