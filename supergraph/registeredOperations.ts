import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RegisteredOperation } from './checkSchema.ts';

/** The web client's trusted documents (hash → document), extracted by its build and committed with it. */
export const operationManifestFile = fileURLToPath(
  new URL('../web/src/graphql/persisted-documents.json', import.meta.url),
);

/** Every registered client operation, from the manifest; none when there is no manifest. */
export function registeredOperations(file = operationManifestFile): RegisteredOperation[] {
  if (!existsSync(file)) return [];
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  return Object.entries(manifest).map(([hash, document]) => ({ hash, document }));
}
