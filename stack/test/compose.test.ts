import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { consistencyTokenConfigOf } from '@msd/gateway';
import { databaseUrlVariable, processes, repoRoot, roleName, serviceNames } from '@msd/registry';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeServiceEnv } from '../src/compose/composeServiceEnv.ts';

// docker-compose.yml as an attacker on the network or with the repository would read it.
type ComposeService = {
  ports?: string[];
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
};
const file = path.join(repoRoot, 'docker-compose.yml');
const compose = parse(readFileSync(file, 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string }>;
};
const services = compose.services;

describe('the compose stack', () => {
  it('publishes the gateway alone beyond this machine: PostgreSQL, Redis and the tools on 127.0.0.1', () => {
    for (const [name, service] of Object.entries(services))
      for (const port of service.ports ?? [])
        if (name !== 'gateway') expect(port, name).toMatch(/^127\.0\.0\.1:/);
    expect(services.gateway?.ports).toEqual(['4000:4000']);
  });

  it('runs Redis with a password, and every process connects with it', () => {
    const redis = services.redis!;
    const password = redis.command![redis.command!.indexOf('--requirepass') + 1];
    expect(password).toBeTruthy();
    for (const { name } of processes)
      expect(String(services[name]!.environment!.REDIS_URL), name).toContain(
        `redis://:${password}@redis:6379`,
      );
  });

  it('gives each service its own role’s URL, and the superuser URL to the provisioning job alone', () => {
    for (const [name, service] of Object.entries(services)) {
      const env = Object.keys(service.environment ?? {});
      if (name !== 'prepare') expect(env, name).not.toContain('DATABASE_ADMIN_URL');
      const databaseUrls = env.filter((key) => key.endsWith('_DATABASE_URL'));
      if ((serviceNames as string[]).includes(name)) {
        const service = name as (typeof serviceNames)[number];
        expect(databaseUrls, name).toEqual([databaseUrlVariable(service)]);
        const url = new URL(String(services[name]!.environment![databaseUrlVariable(service)]));
        expect(url.username, name).toBe(roleName(service));
      } else expect(databaseUrls, name).toEqual([]);
    }
  });

  it('trusts no committed key: its secrets are made on first start, one volume per process', () => {
    expect(compose.secrets ?? {}).toEqual({});
    expect(readFileSync(file, 'utf8')).not.toMatch(
      /SERVICE_TOKEN:|CONSISTENCY_TOKEN_KEY:|token-keys|\.dev-keys/,
    );
    expect(services.secrets?.command).toEqual(['node', 'stack/dist/compose/composeSecrets.js']);
    for (const { name } of processes) {
      expect(services[name]!.volumes, name).toEqual([`credentials-${name}:/run/msd:ro`]);
      expect(services.secrets!.volumes).toContain(`credentials-${name}:/run/msd-${name}`);
    }
    expect(services.gateway!.environment!.AUTH_JWKS_FILE).toContain('/run/msd/jwks.json');
  });

  it("gives the gateway a consistency token key of the stack's own, shared by its replicas, and no one else", () => {
    const envOf = (root: string, name: (typeof processes)[number]['name']) =>
      Object.fromEntries(
        composeServiceEnv(root)
          [name].trim()
          .split('\n')
          .map((line) => line.split(/=(.*)/s)),
      );
    for (const { name } of processes)
      if (name !== 'gateway') expect(envOf('root', name).CONSISTENCY_TOKEN_KEY, name).toBeUndefined();
    const key = envOf('root', 'gateway').CONSISTENCY_TOKEN_KEY;
    // Every replica reads the one service.env, so they share it; another stack (root) has another.
    expect(key).toMatch(/^[\w-]{43}$/);
    expect(envOf('another root', 'gateway').CONSISTENCY_TOKEN_KEY).not.toBe(key);
    // The gateway's production configuration (the compose stack runs NODE_ENV=production) takes it.
    const environment = {
      NODE_ENV: String(services.gateway!.environment!.NODE_ENV),
      ...envOf('root', 'gateway'),
    };
    expect(environment.NODE_ENV).toBe('production');
    expect(consistencyTokenConfigOf(environment).key).toBe(key);
  });

  it('keeps the development keys out of the image', () => {
    const ignored = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toContain('.dev-keys');
    expect(ignored).toContain('deploy/overlays/local/token-keys/signing-key.json');
  });

  it('is a valid compose file (docker-compose config), where docker-compose is installed', (context) => {
    const check = spawnSync('docker-compose', ['-f', file, 'config', '-q'], { encoding: 'utf8' });
    if (check.error) return context.skip();
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
