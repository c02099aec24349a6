import { z } from 'zod';

const secretVariable = /TOKEN|PASSWORD|SECRET|JWKS|KEY/;

/** A configuration error: every variable at fault, one line each, named. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses an environment (an entry point's own) with a process's schema (empty values count as unset). Throws `ConfigError` naming every bad
 * variable; `serve` turns that into a message and exit code 1 before anything listens.
 */
export function loadConfig<TSchema extends z.ZodType>(
  schema: TSchema,
  env: NodeJS.ProcessEnv,
): z.output<TSchema> {
  // An empty variable counts as unset (`FOO=` in compose files and manifests means "no value").
  const result = schema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '(environment)');
      const given = env[variable];
      // The value helps with a port or a URL; a secret's must not reach the logs, nor one inside a
      // structured value (a JWKS that holds a private key).
      const shown =
        given === undefined
          ? ' (not set)'
          : issue.path.length > 1 || secretVariable.test(variable)
            ? ''
            : ` (got ${JSON.stringify(given)})`;
      return `${issue.path.join('.') || variable}: ${issue.message}${shown}`;
    }),
  );
}

/** Parses a few variables of an environment (tools that need only those, e.g. the event bus's). */
export function loadVariables<TShape extends z.ZodRawShape>(
  variables: TShape,
  env: NodeJS.ProcessEnv,
): z.output<z.ZodObject<TShape>> {
  return loadConfig(z.looseObject(variables), env) as z.output<z.ZodObject<TShape>>;
}
