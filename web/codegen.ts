import { readFileSync } from 'node:fs';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';
import { printSchema } from 'graphql';
import { apiSchemaOf } from '../supergraph/apiSchemaOf.ts';

// Types come from the gateway's API schema (the committed supergraph minus federation machinery);
// every operation is also written to persisted-documents.json (sha256 → document), the trusted
// documents the gateway runs. __typename is added here so the sent and registered documents agree.
const config: CodegenConfig = {
  schema: printSchema(
    apiSchemaOf(readFileSync(new URL('../supergraph/supergraph.graphql', import.meta.url), 'utf8')),
  ),
  documents: ['src/**/*.tsx', 'src/**/*.ts', '!src/graphql/**'],
  ignoreNoDocuments: false,
  generates: {
    './src/graphql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: { enumsAsTypes: true, useTypeImports: true, scalars: { ID: 'string' } },
      documentTransforms: [addTypenameSelectionDocumentTransform],
    },
  },
};
export default config;
