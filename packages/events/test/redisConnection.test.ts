import { describe, expect, it } from 'vitest';
import { eventBus } from '../src/redisConnection.ts';

describe('eventBus', () => {
  it('connects to a rediss:// URL with TLS, checking the host name', () => {
    const { connection } = eventBus({
      redisUrl: 'rediss://user:p%40ss@cache.example.com:6380/2',
      prefix: 'p',
    });
    expect(connection).toMatchObject({
      host: 'cache.example.com',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
      tls: { servername: 'cache.example.com' },
    });
  });

  it('connects to a redis:// URL without TLS', () => {
    const { connection, prefix } = eventBus({ redisUrl: 'redis://127.0.0.1' });
    expect(connection).toMatchObject({ host: '127.0.0.1', port: 6379, db: 0 });
    expect(connection).not.toHaveProperty('tls');
    expect(prefix).toBe('msd');
  });
});
