import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { consistencyTokenConfigOf } from '@msd/gateway';
import { processes, repoRoot } from '@msd/registry';
import { afterAll, describe, expect, it } from 'vitest';
import { kubernetesManifests } from '../deploy/kubernetesManifests.ts';
import { type ManifestReport, validateManifests } from '../deploy/validateManifests.ts';

type Container = {
  image: string;
  readinessProbe?: { httpGet?: { path: string; port?: string } };
  livenessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
};
type Manifest = {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    minReplicas?: number;
    scaleTargetRef?: { name: string };
    template?: { spec: { securityContext?: { runAsNonRoot?: boolean }; containers: Container[] } };
  };
};

const byKind = (report: ManifestReport, kind: string) =>
  (report.documents as Manifest[]).filter((doc) => doc.kind === kind);

let scratch: string | undefined;
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the Kubernetes manifests', () => {
  it('are what the registry generates (npm run deploy:generate)', async () => {
    for (const [file, content] of Object.entries(kubernetesManifests())) {
      expect(await readFile(path.join(repoRoot, 'deploy/base', file), 'utf8'), file).toBe(content);
    }
  });

  it('build with kustomize and pass the Kubernetes schemas, base and local overlay', async () => {
    for (const kustomization of ['deploy/base', 'deploy/overlays/local']) {
      const report = await validateManifests(kustomization);
      expect(report.problems, kustomization).toEqual([]);
      expect(report.objects.length).toBeGreaterThan(30);
    }
  });

  it('run every process non-root with probes and resources, scale the stateless ones, and reference only secrets the overlay provides', async () => {
    const local = await validateManifests('deploy/overlays/local');
    const deployments = byKind(local, 'Deployment');
    const secrets = new Map(
      byKind(local, 'Secret').map((secret) => [secret.metadata.name, secret.data ?? {}]),
    );
    for (const { name } of processes) {
      const deployment = deployments.find((d) => d.metadata.name === name);
      expect(deployment, name).toBeDefined();
      const pod = deployment!.spec!.template!.spec;
      const [container] = pod.containers;
      expect(pod.securityContext?.runAsNonRoot, name).toBe(true);
      expect(container!.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(container!.image).toBe('msd-stack:local');
      expect(container!.readinessProbe?.httpGet?.path).toBe('/ready');
      // A subgraph answers /ready on its admin port only (ADMIN_PORT).
      expect(container!.readinessProbe?.httpGet?.port, name).toBe(name === 'gateway' ? 'http' : 'admin');
      expect(container!.livenessProbe?.httpGet?.path).toBe('/health');
      expect(container!.resources?.requests?.cpu && container!.resources?.limits?.memory, name).toBeTruthy();
      for (const variable of container!.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (!ref || ref.optional) continue;
        expect(secrets.get(ref.name)?.[ref.key], `${name}: ${variable.name} from ${ref.name}`).toBeDefined();
      }
      expect(byKind(local, 'PodDisruptionBudget').map((pdb) => pdb.metadata.name)).toContain(name);
    }
    const scaled = byKind(local, 'HorizontalPodAutoscaler').map((hpa) => hpa.spec?.scaleTargetRef?.name);
    expect(scaled.sort()).toEqual(['driver', 'gateway', 'inventory', 'order', 'product', 'ride', 'shipping']);
    expect(byKind(local, 'Job').map((job) => job.metadata.name)).toEqual(['msd-migrate']);
    // The gateway gets the committed supergraph, byte for byte.
    const [supergraph] = byKind(local, 'ConfigMap').filter((map) =>
      map.metadata.name.startsWith('msd-supergraph'),
    );
    expect(supergraph?.data?.['supergraph.graphql']).toBe(
      await readFile(path.join(repoRoot, 'supergraph/supergraph.graphql'), 'utf8'),
    );
    const config = byKind(local, 'ConfigMap').find((map) => map.metadata.name.startsWith('msd-config'));
    expect(config?.data?.EVENTS_PREFIX).toBe('{msd}');
  });

  it('the validator reports an object that breaks its schema', async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'msd-kustomize-'));
    await writeFile(path.join(scratch, 'kustomization.yaml'), 'resources: [broken.yaml]\n');
    await writeFile(
      path.join(scratch, 'broken.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: broken }',
        'spec:',
        '  replicas: two',
        '  selector: { matchLabels: { app: broken } }',
        '  template:',
        '    metadata: { labels: { app: broken } }',
        '    spec: { containers: [{ name: c, image: i, readinessProbe: { httpGet: { path: /ready } } }] }',
      ].join('\n'),
    );
    const report = await validateManifests(scratch);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toContain('Deployment/broken');
    expect(report.problems[0]).toMatch(/replicas must be integer|httpGet must have required property port/);
  });
});

type Peer = { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: object };
type Rule = { from?: Peer[]; to?: Peer[]; ports?: { port: number }[] };
type Policy = {
  metadata: { name: string };
  spec: {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: string[];
    ingress?: Rule[];
    egress?: Rule[];
  };
};
const NAME = 'app.kubernetes.io/name';

describe('the Kubernetes network and secrets', () => {
  it('deny by default; each process takes and makes only the calls the registry lists; only the gateway takes outsiders', async () => {
    const local = await validateManifests('deploy/overlays/local');
    const policies = byKind(local, 'NetworkPolicy') as unknown as Policy[];
    const deny = policies.find((p) => p.metadata.name === 'msd-default-deny');
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    for (const { name, port, calls } of processes) {
      const policy = policies.find((p) => p.spec.podSelector.matchLabels?.[NAME] === name);
      expect(policy, name).toBeDefined();
      const ingress = policy!.spec.ingress ?? [];
      const onPort = ingress.filter((rule) => rule.ports?.some((p) => p.port === port));
      const open = onPort.filter((rule) => !rule.from);
      if (name === 'gateway') expect(open, name).toHaveLength(1);
      else {
        expect(open, `${name} open to anyone`).toEqual([]);
        const callers = onPort
          .flatMap((rule) => rule.from ?? [])
          .filter((peer) => !peer.namespaceSelector)
          .map((peer) => peer.podSelector?.matchLabels?.[NAME])
          .sort();
        const allowed = processes
          .filter((entry) => (entry.calls as readonly string[]).includes(name))
          .map((entry) => entry.name)
          .sort();
        expect(callers, `${name} accepts`).toEqual(allowed);
      }
      // The admin port (/ready, /metrics) takes the scrapers alone.
      const admin = ingress.filter((rule) => rule.ports?.some((p) => p.port === 9400));
      expect(
        admin.flatMap((rule) => rule.from ?? []),
        `${name} admin`,
      ).toEqual([{ namespaceSelector: {}, podSelector: { matchLabels: { 'msd/scrape': 'true' } } }]);
      const callees = (policy!.spec.egress ?? [])
        .flatMap((rule) => rule.to ?? [])
        .map((peer) => peer.podSelector?.matchLabels?.[NAME])
        .sort();
      expect(callees, `${name} calls`).toEqual([...calls].sort());
    }
  });

  it('gives each process its own service credentials, and Redis a password from a secret', async () => {
    const local = await validateManifests('deploy/overlays/local');
    const secrets = new Map(
      byKind(local, 'Secret').map((s) => [s.metadata.name.replace(/-[a-z0-9]{10}$/, ''), s.data ?? {}]),
    );
    const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString();
    const tokens = new Set<string>();
    for (const { name } of processes) {
      const deployment = byKind(local, 'Deployment').find((d) => d.metadata.name === name)!;
      const env = deployment.spec!.template!.spec.containers[0]!.env ?? [];
      const from = (variable: string) => env.find((e) => e.name === variable)?.valueFrom?.secretKeyRef;
      expect(from('SERVICE_TOKEN')?.name, name).toMatch(new RegExp(`^msd-service-${name}(-|$)`));
      expect(from('REDIS_URL')?.name, name).toMatch(/^msd-redis/);
      tokens.add(decode(secrets.get(`msd-service-${name}`)?.SERVICE_TOKEN));
    }
    expect(tokens.size).toBe(processes.length);
    // Every gateway replica signs read-your-writes tokens with the one key of the gateway's own
    // secret; no other process gets it, and the production configuration takes it.
    for (const deployment of byKind(local, 'Deployment')) {
      const ref = deployment.spec!.template!.spec.containers[0]!.env?.find(
        (e) => e.name === 'CONSISTENCY_TOKEN_KEY',
      )?.valueFrom?.secretKeyRef;
      if (deployment.metadata.name === 'gateway') expect(ref?.name).toMatch(/^msd-service-gateway(-|$)/);
      else expect(ref, deployment.metadata.name).toBeUndefined();
    }
    const key = decode(secrets.get('msd-service-gateway')?.CONSISTENCY_TOKEN_KEY);
    expect(consistencyTokenConfigOf({ NODE_ENV: 'production', CONSISTENCY_TOKEN_KEY: key }).key).toBe(key);
    const config = byKind(local, 'ConfigMap').find((map) => map.metadata.name.startsWith('msd-config'));
    expect(config?.data?.REDIS_URL).toBeUndefined();
    const password = decode(secrets.get('msd-redis')?.REDIS_PASSWORD);
    expect(password).not.toBe('');
    expect(decode(secrets.get('msd-redis')?.REDIS_URL)).toContain(`:${password}@`);
    const redis = byKind(local, 'Deployment').find((d) => d.metadata.name === 'redis')!;
    expect((redis.spec!.template!.spec.containers[0] as { args?: string[] }).args).toContain('--requirepass');
  });
});
