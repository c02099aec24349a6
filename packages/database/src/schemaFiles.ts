import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { prismaDir, repoRoot, type ServiceName, type SharedTable, serviceEntry } from '@msd/registry';

export interface SchemaFile {
  /** Where the file sits in the service's schema folder. */
  path: string;
  content: string;
  /** The file it was read from: `path` itself, or the library file that declares a shared table. */
  source: string;
}

/** Where a service's copies of the shared tables go: beside its schema.prisma, ignored by git. */
const includedDir = (service: ServiceName) => path.join(prismaDir(service), 'included');

/**
 * The file that declares a shared table: `packages/<library>/prisma/<table>.prisma`, owned by the
 * library whose code reads and writes that table.
 */
async function sharedTableFile(table: SharedTable): Promise<string> {
  const packages = path.join(repoRoot, 'packages');
  for (const library of await readdir(packages)) {
    const file = path.join(packages, library, 'prisma', `${table}.prisma`);
    if (existsSync(file)) return file;
  }
  throw new Error(`No library declares the shared table "${table}" (packages/*/prisma/${table}.prisma)`);
}

/**
 * A service's Prisma schema, as the files of a multi-file schema: its own `schema.prisma` and the
 * shared tables that the registry says it includes, each read from the library that declares it.
 */
export async function schemaFiles(service: ServiceName): Promise<SchemaFile[]> {
  const own = path.join(prismaDir(service), 'schema.prisma');
  const shared = await Promise.all(
    serviceEntry(service).sharedTables.map(async (table) => {
      const source = await sharedTableFile(table);
      const content = await readFile(source, 'utf8');
      return { path: path.join(includedDir(service), `${table}.prisma`), content, source };
    }),
  );
  return [{ path: own, content: await readFile(own, 'utf8'), source: own }, ...shared];
}

/**
 * Writes the shared tables into `prisma/<service>/included/`, so that `prisma/<service>` is a
 * complete multi-file schema for the Prisma CLI (generate, and `prisma migrate` where the native
 * engine exists). The copies are build output: the declaration stays in the library.
 */
export async function includeSharedTables(service: ServiceName): Promise<string> {
  const [, ...shared] = await schemaFiles(service);
  await rm(includedDir(service), { recursive: true, force: true });
  if (shared.length > 0) await mkdir(includedDir(service), { recursive: true });
  for (const file of shared) {
    const header = `// Copied from ${path.relative(repoRoot, file.source)} by \`npm run db:generate\`: edit that file, not this one.\n`;
    await writeFile(file.path, header + file.content);
  }
  return prismaDir(service);
}
