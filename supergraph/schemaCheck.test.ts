import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sdlPath } from '@msd/registry';
import { describe, expect, it } from 'vitest';
import { checkSchema } from './checkSchema.ts';
import { composeSupergraph, supergraphFile } from './composeSupergraph.ts';
import { formatSchemaCheck } from './formatSchemaCheck.ts';
import { registeredOperations } from './registeredOperations.ts';

const committed = readFileSync(supergraphFile, 'utf8');
const operations = registeredOperations();
const productSdl = readFileSync(sdlPath('product'), 'utf8');
const check = (edit: (sdl: string) => string) =>
  checkSchema({
    baseSupergraph: committed,
    newSupergraph: composeSupergraph((name) => (name === 'product' ? edit(productSdl) : undefined)),
    operations,
  });

describe('schema check', () => {
  it('knows the web client’s registered operations, and they all validate today', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(10);
    const report = await check((sdl) => sdl);
    expect(report.changes).toEqual([]);
    expect(report.invalidOperations).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it('fails a removed field, naming the field and the operations that select it', async () => {
    const report = await check((sdl) => sdl.replace(/^\s*"Current price[^\n]*\n\s*price: Float!\n/m, '\n'));
    expect(report.passed).toBe(false);
    const removal = report.changes.find((change) => change.path === 'Product.price');
    expect(removal).toMatchObject({ class: 'breaking', type: 'FIELD_REMOVED' });
    // ShopCatalog selects price; CatalogProducts (id name version) does not.
    expect(removal?.operations).toContain('ShopCatalog');
    expect(removal?.operations).not.toContain('CatalogProducts');
    expect(report.invalidOperations.map(({ operation }) => operation)).toEqual(['ShopCatalog']);
    const log = formatSchemaCheck(report, { base: 'test' });
    expect(log).toMatch(/BREAKING {2}Product\.price: Field 'price' was removed from object type 'Product'/);
    expect(log).toMatch(/hits 1 registered operation\(s\): ShopCatalog/);
    expect(log).toMatch(/^FAIL: 1 breaking/m);
  });

  it('passes an additive change, classified safe', async () => {
    const report = await check((sdl) =>
      sdl.replace('  updatedAt: String!\n', '  updatedAt: String!\n  colour: String\n'),
    );
    expect(report.passed).toBe(true);
    expect(report.changes).toEqual([
      expect.objectContaining({ class: 'safe', path: 'Product.colour', type: 'FIELD_ADDED' }),
    ]);
  });

  it('reports a dangerous change without failing: a new optional argument with a default', async () => {
    const report = await check((sdl) =>
      sdl.replace(
        'products(first: Int = 20, after: String)',
        'products(first: Int = 20, after: String, sku: String = "")',
      ),
    );
    expect(report.changes.map((change) => change.class)).toContain('dangerous');
    expect(report.passed).toBe(true);
  });

  it('exits 1 from the command line on a breaking change against a git ref', () => {
    // The CLI composes the working tree; here the "base" is a commit whose supergraph has a field
    // the working tree lacks, made in a throwaway repository so nothing of the real one is touched.
    const dir = mkdtempSync(path.join(tmpdir(), 'schema-check-'));
    try {
      const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
      git('init', '-q');
      execFileSync('mkdir', ['-p', path.join(dir, 'supergraph')]);
      const extra = composeSupergraph((name) =>
        name === 'product'
          ? productSdl.replace('  updatedAt: String!\n', '  updatedAt: String!\n  colour: String\n')
          : undefined,
      );
      writeFileSync(path.join(dir, 'supergraph', 'supergraph.graphql'), extra);
      git('add', '.');
      git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'base');
      const run = spawnSync(
        process.execPath,
        [
          '--import',
          import.meta.resolve('tsx'),
          path.join(import.meta.dirname, 'schemaCheck.ts'),
          '--base',
          'HEAD',
        ],
        {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, GITHUB_ACTIONS: 'true' },
        },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/BREAKING {2}Product\.colour: Field 'colour' was removed/);
      expect(run.stdout).toContain('::error title=Schema breaking::Product.colour');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
