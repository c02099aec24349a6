import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import { schemaEngineDebug } from './databaseConfig.ts';

// The repo's lib has no DOM, where TypeScript declares WebAssembly; this is the part used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
};

type Bindings = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

let bindings: Promise<Bindings> | undefined;

// Instantiated from the JS glue by hand, not through the package entry: that imports the .wasm as
// an ES module (an experimental warning on Node 24, an error on Node 20), and owning the imports
// object lets us adjust one of them.
async function loadBindings(): Promise<Bindings> {
  const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const glue: Bindings = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const module = new WebAssembly.Module(await readFile(gluePath.replace(/\.js$/, '.wasm')));
  const imports: Record<string, unknown> = { ...glue };
  for (const [name, value] of Object.entries(glue)) {
    // The engine arms a 10 s timer around every operation (e.g. the migrations lock) and never
    // clears it; unref'd, such timers no longer keep a finished CLI or test run alive.
    if (name.startsWith('__wbg_setTimeout_') && typeof value === 'function') {
      const setTimer = value as (...args: unknown[]) => NodeJS.Timeout;
      imports[name] = (...args: unknown[]) => setTimer(...args).unref();
    }
  }
  const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': imports });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue;
}

/**
 * Runs `work` with Prisma's WebAssembly schema engine (the same engine as `prisma migrate`, minus
 * the native binary that cannot be downloaded offline) talking to the database through `adapter`.
 */
export async function withSchemaEngine<T>(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: SchemaEngine) => Promise<T>,
  /** Where the engine's own log lines go (none by default). */
  debug = schemaEngineDebug(),
): Promise<T> {
  bindings ??= loadBindings();
  const { SchemaEngine } = await bindings;
  const log = (line: string) => debug?.(line);
  const engine = await SchemaEngine.new(
    { datamodels: undefined },
    log,
    bindMigrationAwareSqlAdapterFactory(adapter),
  );
  try {
    return await work(engine);
  } finally {
    engine.free();
  }
}
