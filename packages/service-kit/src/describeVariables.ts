import { z } from 'zod';

/** The variables a process's configuration adds to every process's (`extra` of `processConfig`). */
export type VariableShape = z.ZodRawShape;

/** One variable of a configuration schema, as the configuration reference lists it. */
export interface VariableDescription {
  name: string;
  /** The value when unset, as written in an environment; undefined when there is none. */
  defaultValue: string | undefined;
  /** What a value must be (`integer 0–65535`, `one of json, pretty`, `URL`, ...). */
  expected: string;
  /** The schema's `.describe()`. */
  meaning: string;
}

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description?: string;
}

function expectation(schema: JsonSchema): string {
  if (schema.enum) return `one of ${schema.enum.map((value) => `\`${String(value)}\``).join(', ')}`;
  if (schema.format === 'uri') return 'URL';
  if (schema.type === 'integer' || schema.type === 'number') {
    const min = schema.minimum;
    // An integer's implicit bound is no limit worth printing.
    const max =
      schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined;
    const kind = schema.type === 'integer' ? 'integer' : 'number';
    if (min !== undefined && max !== undefined) return `${kind} ${min}–${max}`;
    if (min !== undefined) return `${kind} ≥ ${min}`;
    return kind;
  }
  return 'text';
}

/** Every variable of a configuration schema, in schema order: what `loadConfig` accepts, and why it exists. */
export function describeVariables(schema: z.ZodObject): VariableDescription[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>;
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    defaultValue: property.default === undefined ? undefined : String(property.default),
    expected: expectation(property),
    meaning: property.description ?? '',
  }));
}
