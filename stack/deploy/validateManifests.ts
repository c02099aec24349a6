import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import { parseAllDocuments } from 'yaml';

export interface ManifestReport {
  /** `Kind/name` of every object built. */
  objects: string[];
  /** One line per object that breaks its Kubernetes schema (or has none). */
  problems: string[];
  /** The built objects, for further checks. */
  documents: Record<string, unknown>[];
}

type Validatable = new (data: unknown) => { validate(): void };

/**
 * Builds a kustomization with `kubectl kustomize` and checks every object against the Kubernetes
 * JSON schemas bundled in kubernetes-models (offline: nothing is fetched from a cluster or the
 * network): types, required fields, formats and enums, for the API versions we use.
 */
export async function validateManifests(kustomization: string): Promise<ManifestReport> {
  const build = spawnSync('kubectl', ['kustomize', path.resolve(repoRoot, kustomization)], {
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`kubectl kustomize ${kustomization} failed:\n${build.stderr}`);
  const documents = parseAllDocuments(build.stdout).map((doc) => doc.toJS() as Record<string, unknown>);
  const objects: string[] = [];
  const problems: string[] = [];
  for (const document of documents) {
    const { apiVersion, kind } = document as { apiVersion: string; kind: string };
    const id = `${kind}/${(document.metadata as { name?: string } | undefined)?.name}`;
    objects.push(id);
    const model = await import(/* @vite-ignore */ `kubernetes-models/${apiVersion}/${kind}`).then(
      (module: Record<string, Validatable>) => module[kind],
      () => undefined,
    );
    if (!model) {
      problems.push(`${id}: no schema for ${apiVersion} ${kind}`);
      continue;
    }
    // kustomize wraps long base64 Secret values over lines; the API server ignores the newlines
    // (Go's base64 decoder does), the schema's "byte" format does not.
    if (kind === 'Secret' && document.data)
      document.data = Object.fromEntries(
        Object.entries(document.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\s+/g, '')]),
      );
    try {
      new model(document).validate();
    } catch (error) {
      problems.push(`${id}: ${(error as Error).message}`);
    }
  }
  return { objects, problems, documents };
}
