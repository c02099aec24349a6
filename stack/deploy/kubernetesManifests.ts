import { entryPoint, type ProcessName, processes, repoRoot, serviceEntry, urlVariable } from '@msd/registry';
import { eventKeyVariable, eventProducersNeeded } from '@msd/service-kit';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IService } from 'kubernetes-models/v1/Service';
import { stringify } from 'yaml';

const IMAGE = 'msd-stack';
/** The node user of the node:24 image (Dockerfile `USER node`). */
const NODE_UID = 1000;

/** Per process: replicas, autoscaling bounds and resources. Every process is stateless (its state is in PostgreSQL and Redis). */
const sizing: Record<ProcessName, { min: number; max?: number; cpu: string; memory: string }> = {
  gateway: { min: 2, max: 10, cpu: '250m', memory: '256Mi' },
  product: { min: 2, max: 6, cpu: '100m', memory: '192Mi' },
  order: { min: 2, max: 6, cpu: '100m', memory: '192Mi' },
  inventory: { min: 2, max: 6, cpu: '100m', memory: '192Mi' },
  shipping: { min: 2, max: 6, cpu: '100m', memory: '192Mi' },
  driver: { min: 2, max: 6, cpu: '100m', memory: '192Mi' },
  ride: { min: 2, max: 6, cpu: '100m', memory: '192Mi' },
  // Light work (renames only); two replicas for availability, recovery is safe across instances.
  coordinator: { min: 2, cpu: '50m', memory: '160Mi' },
};

/**
 * Every process's admin surface: the gateway's /metrics and /subgraphs, a subgraph's /ready and
 * /metrics, never on the public port; only probes and scrapers reach it.
 */
const ADMIN_PORT = 9400;

const labels = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'msd' });
const secretEnv = (name: string, secret: string, key: string, optional = false): IEnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional } : {}) } },
});
const podSecurity: IPodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: NODE_UID,
  runAsGroup: NODE_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};
const containerSecurity: IContainer['securityContext'] = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};
// The root filesystem is read-only; scratch space for libraries that want a temp dir.
const tmpVolume = { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } };
const tmpMount = { name: 'tmp', mountPath: '/tmp' };

/** `node <workspace>/dist/index.js`: the compiled entry point the image holds. */
const command = (name: ProcessName) => [
  'node',
  entryPoint(name)
    .slice(repoRoot.length + 1)
    .replace('/src/index.ts', '/dist/index.js'),
];

function deployment(name: ProcessName, port: number): IDeployment {
  const size = sizing[name];
  const env: IEnvVar[] = [
    { name: 'PORT', value: String(port) },
    { name: 'OTEL_SERVICE_NAME', value: name },
    { name: 'ADMIN_PORT', value: String(ADMIN_PORT) },
    // Its own service secret, and (services) the keys of the callers it accepts: msd-service-<process>.
    secretEnv('SERVICE_TOKEN', `msd-service-${name}`, 'SERVICE_TOKEN'),
    ...(name === 'gateway' ? [] : [secretEnv('SERVICE_CALLERS', `msd-service-${name}`, 'SERVICE_CALLERS')]),
    // Redis asks for a password: the URL carries it, from a secret.
    secretEnv('REDIS_URL', 'msd-redis', 'REDIS_URL'),
    // The event signing keys this process signs or verifies with, and no other.
    ...eventProducersNeeded(name).map((producer) =>
      secretEnv(eventKeyVariable(producer), 'msd-event-keys', eventKeyVariable(producer)),
    ),
    ...(name === 'gateway'
      ? [
          { name: 'SUPERGRAPH_PATH', value: '/etc/msd/supergraph.graphql' },
          // Signs read-your-writes tokens: one key for every replica, in the gateway's own secret.
          secretEnv('CONSISTENCY_TOKEN_KEY', `msd-service-${name}`, 'CONSISTENCY_TOKEN_KEY'),
          // One of these two: an identity provider's endpoint, or the public keys themselves.
          secretEnv('AUTH_JWKS_URL', 'msd-token-keys', 'AUTH_JWKS_URL', true),
          secretEnv('AUTH_JWKS', 'msd-token-keys', 'AUTH_JWKS', true),
          secretEnv('AUTH_ISSUER', 'msd-token-keys', 'AUTH_ISSUER', true),
          secretEnv('AUTH_AUDIENCE', 'msd-token-keys', 'AUTH_AUDIENCE', true),
        ]
      : [secretEnv(`${name.toUpperCase()}_DATABASE_URL`, `msd-database-${name}`, 'DATABASE_URL')]),
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: labels(name) },
    spec: {
      replicas: size.min,
      selector: { matchLabels: labels(name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: labels(name),
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(ADMIN_PORT),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          securityContext: podSecurity,
          // serve(): /ready says draining for SHUTDOWN_DELAY_MS, then the drain has SHUTDOWN_TIMEOUT_MS.
          terminationGracePeriodSeconds: 30,
          automountServiceAccountToken: false,
          containers: [
            {
              name,
              image: IMAGE,
              command: command(name),
              ports: [
                { name: 'http', containerPort: port },
                { name: 'admin', containerPort: ADMIN_PORT },
              ],
              envFrom: [{ configMapRef: { name: 'msd-config' } }],
              env,
              readinessProbe: {
                // The gateway answers /ready on its public port; a subgraph on its admin port only.
                httpGet: { path: '/ready', port: name === 'gateway' ? 'http' : 'admin' },
                periodSeconds: 5,
                failureThreshold: 2,
              },
              livenessProbe: {
                httpGet: { path: '/health', port: 'http' },
                periodSeconds: 10,
                failureThreshold: 3,
              },
              startupProbe: {
                httpGet: { path: '/health', port: 'http' },
                periodSeconds: 2,
                failureThreshold: 30,
              },
              resources: {
                requests: { cpu: size.cpu, memory: size.memory },
                limits: { memory: `${Number.parseInt(size.memory, 10) * 2}Mi` },
              },
              securityContext: containerSecurity,
              volumeMounts: [
                tmpMount,
                ...(name === 'gateway'
                  ? [{ name: 'supergraph', mountPath: '/etc/msd', readOnly: true }]
                  : []),
              ],
            },
          ],
          volumes: [
            tmpVolume,
            ...(name === 'gateway' ? [{ name: 'supergraph', configMap: { name: 'msd-supergraph' } }] : []),
          ],
        },
      },
    },
  };
}

function service(name: ProcessName, port: number): IService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: labels(name) },
    spec: { selector: labels(name), ports: [{ name: 'http', port, targetPort: 'http' }] },
  };
}

function autoscaler(name: ProcessName, min: number, max: number): IHorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, labels: labels(name) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: min,
      maxReplicas: max,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    },
  };
}

function disruptionBudget(name: ProcessName): IPodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, labels: labels(name) },
    spec: { maxUnavailable: 1, selector: { matchLabels: labels(name) } },
  };
}

function config(): IConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'msd-config', labels: labels('msd') },
    data: {
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      LOG_FORMAT: 'json',
      // The hash tag keeps each BullMQ queue's keys in one slot: required on Redis Cluster.
      EVENTS_PREFIX: '{msd}',
      SHUTDOWN_DELAY_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '20000',
      // Tracing is off while this is empty; set it to an OTLP/HTTP collector (http://collector:4318).
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      ...Object.fromEntries(
        processes.map(({ name, port }) => [urlVariable(name), `http://${name}:${port}/graphql`]),
      ),
    },
  };
}

/** Provisions roles and databases, then applies every pending migration; idempotent, run before each rollout. */
function migrationJob(): IJob {
  const services = processes.filter((entry) => entry.name !== 'gateway');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'msd-migrate', labels: labels('msd-migrate') },
    spec: {
      backoffLimit: 3,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: labels('msd-migrate') },
        spec: {
          restartPolicy: 'OnFailure',
          securityContext: podSecurity,
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'migrate',
              image: IMAGE,
              command: ['node', 'packages/database/dist/cli/migrate.js'],
              envFrom: [{ configMapRef: { name: 'msd-config' } }],
              env: [
                secretEnv('DATABASE_ADMIN_URL', 'msd-database-admin', 'DATABASE_ADMIN_URL'),
                ...services.flatMap(({ name }) => [
                  secretEnv(`${name.toUpperCase()}_DATABASE_URL`, `msd-database-${name}`, 'DATABASE_URL'),
                  secretEnv(
                    `${name.toUpperCase()}_DATABASE_PASSWORD`,
                    `msd-database-${name}`,
                    'DATABASE_PASSWORD',
                  ),
                ]),
              ],
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              securityContext: containerSecurity,
              volumeMounts: [tmpMount],
            },
          ],
          volumes: [tmpVolume],
        },
      },
    },
  };
}

const DNS_PORT = 53;
const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;
/** Pods (in any namespace) that scrape metrics: Prometheus carries this label. */
const scraperLabels = { 'msd/scrape': 'true' };
const selectAll = { podSelector: {} };
const tcp = (port: number): INetworkPolicyPort => ({ protocol: 'TCP', port });

/**
 * Default deny, then what the registry says: the gateway takes clients from anywhere on its public
 * port; a service takes the gateway and the services whose `calls` name it, on its port; every
 * admin port takes the scrapers only; each process reaches DNS, Redis, its
 * database (services only) and the services it calls. PostgreSQL and Redis may live outside the
 * cluster, so their egress is by port; narrow it to their addresses in an overlay.
 */
function networkPolicies(): INetworkPolicy[] {
  const policy = (name: string, spec: INetworkPolicy['spec']): INetworkPolicy => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, labels: labels('msd') },
    spec,
  });
  const deny = policy('msd-default-deny', { ...selectAll, policyTypes: ['Ingress', 'Egress'] });
  const dns = policy('msd-dns', {
    ...selectAll,
    policyTypes: ['Egress'],
    egress: [{ ports: [{ protocol: 'UDP', port: DNS_PORT }, tcp(DNS_PORT)] }],
  });
  const perProcess = processes.map(({ name, port }) => {
    const callers = processes.filter((entry) => (entry.calls as readonly string[]).includes(name));
    const scrapers = {
      from: [{ namespaceSelector: {}, podSelector: { matchLabels: scraperLabels } }],
      ports: [tcp(ADMIN_PORT)],
    };
    const ingress =
      name === 'gateway'
        ? [{ ports: [tcp(port)] }, scrapers]
        : [
            {
              from: callers.map((caller) => ({ podSelector: { matchLabels: labels(caller.name) } })),
              ports: [tcp(port)],
            },
            scrapers,
          ];
    const egress = [
      ...serviceEntry(name).calls.map((callee) => ({
        to: [{ podSelector: { matchLabels: labels(callee) } }],
        ports: [tcp(serviceEntry(callee as ProcessName).port)],
      })),
      { ports: [tcp(REDIS_PORT), ...(name === 'gateway' ? [] : [tcp(POSTGRES_PORT)])] },
    ];
    return policy(name, {
      podSelector: { matchLabels: labels(name) },
      policyTypes: ['Ingress', 'Egress'],
      ingress,
      egress,
    });
  });
  const migrate = policy('msd-migrate', {
    podSelector: { matchLabels: labels('msd-migrate') },
    policyTypes: ['Egress'],
    egress: [{ ports: [tcp(POSTGRES_PORT)] }],
  });
  return [deny, dns, ...perProcess, migrate];
}

const header =
  '# Generated from the registry by `npm run deploy:generate`: edit stack/deploy/kubernetesManifests.ts.\n';
const yaml = (...documents: object[]) => header + documents.map((doc) => stringify(doc)).join('---\n');

/**
 * The kustomize base's generated files, by path under deploy/base: for each process of the
 * registry a Deployment, a Service, a PodDisruptionBudget and (where it scales) a
 * HorizontalPodAutoscaler; the shared ConfigMap; the migration Job. Typed with kubernetes-models,
 * so a misspelled field is a compile error, and validated against the schemas after kustomize.
 */
export function kubernetesManifests(): Record<string, string> {
  const files: Record<string, string> = {
    'config.yaml': yaml(config()),
    'migrate-job.yaml': yaml(migrationJob()),
    'network-policies.yaml': yaml(...networkPolicies()),
  };
  for (const { name, port } of processes) {
    const size = sizing[name];
    files[`processes/${name}.yaml`] = yaml(
      deployment(name, port),
      service(name, port),
      disruptionBudget(name),
      ...(size.max ? [autoscaler(name, size.min, size.max)] : []),
    );
  }
  files['processes/kustomization.yaml'] = yaml({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: processes.map(({ name }) => `${name}.yaml`),
  });
  return files;
}
