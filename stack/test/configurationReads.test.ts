import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import { describe, expect, it } from 'vitest';

/**
 * Where `process.env` may be read: a process's entry point (it parses its environment once and
 * hands typed options down) and configuration modules. Paths relative to the repository root;
 * `*` matches one path segment.
 */
const entryPoints = [
  'subgraphs/*/src/index.ts',
  'gateway/src/index.ts',
  'packages/database/src/cli/*.ts',
  'packages/events/src/cli/*.ts',
  'stack/src/launcher/start.ts',
  'stack/src/launcher/token.ts',
  'stack/chaos/main.ts',
  'supergraph/schemaCheck.ts',
  // Each benchmark, and each router it starts beside the stack, runs as a process of its own.
  'stack/bench/*.ts',
  'stack/bench/gateway/*Gateway.ts',
];
const configurationModules = [
  // The database settings of tools that are not a service process (migrations, launcher, tests).
  'packages/database/src/databaseConfig.ts',
];
/** Tests, their fixtures and setups: each runs as its own process, or sets up children's environments. */
const testFiles = ['**/*.test.ts', '**/test/**', 'stack/e2e/**'];

/** The source that is scanned: libraries, services, the gateway, the composition root and the benchmarks. */
const scanned = [
  'packages',
  'subgraphs',
  'gateway',
  'stack/src',
  'stack/chaos',
  'stack/deploy',
  'supergraph',
  'stack/bench',
];

function toRegExp(glob: string): RegExp {
  const pattern = glob
    .split('**/')
    .map((part) =>
      part
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*?/g, (stars) => (stars === '**' ? '.*' : '[^/]*')),
    )
    .join('(?:.*/)?');
  return new RegExp(`^${pattern}$`);
}

const allowed = [...entryPoints, ...configurationModules, ...testFiles].map(toRegExp);

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(repoRoot, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.relative(repoRoot, path.join(entry.parentPath, entry.name)))
    .filter((file) => !/(^|\/)(node_modules|dist|generated)\//.test(file));
}

/** The code without its comments (a comment may name `process.env` when it explains where a value comes from). */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Files that read the environment although they may not. */
function offenders(files: readonly string[], read: (file: string) => string): string[] {
  return files.filter(
    (file) =>
      !allowed.some((pattern) => pattern.test(file)) && /\bprocess\.env\b/.test(withoutComments(read(file))),
  );
}

describe('configuration is read at entry points only', () => {
  it('no module outside entry points and configuration modules reads process.env', () => {
    const files = scanned.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(100);
    expect(offenders(files, (file) => readFileSync(path.join(repoRoot, file), 'utf8'))).toEqual([]);
  });

  it('catches a read in a library module, and lets entry points, tests and comments be', () => {
    const sources: Record<string, string> = {
      'packages/database/src/createPgAdapter.ts': 'const max = Number(process.env.DATABASE_POOL_MAX ?? 5);',
      'subgraphs/order/src/events/index.ts': "const given = process.env['REACTION_DEADLINE_MS'];",
      'subgraphs/order/src/index.ts': 'await startTelemetry("order", process.env);',
      'subgraphs/order/test/order.test.ts': 'spawn(node, [], { env: { ...process.env } });',
      'packages/service-kit/src/loadConfig.ts': '// an entry point passes process.env here\nexport {};',
    };
    expect(offenders(Object.keys(sources), (file) => sources[file] ?? '')).toEqual([
      'packages/database/src/createPgAdapter.ts',
      'subgraphs/order/src/events/index.ts',
    ]);
  });
});
