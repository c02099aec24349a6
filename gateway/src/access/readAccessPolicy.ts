import {
  type ConstDirectiveNode,
  type ConstValueNode,
  Kind,
  parse,
  print,
  type TypeNode,
  visit,
} from 'graphql';

/** What a field asks of its caller: signed in, and/or every one of these scope alternatives met. */
export interface AccessRule {
  authenticated: boolean;
  /** Each entry is one `@requiresScopes`: an OR of AND-sets; all entries must hold. */
  scopes: string[][][];
}

export interface AccessPolicy {
  /** The rule for `Type.field`: the field's own, its parent type's and its return type's, combined. */
  ruleFor(typeName: string, fieldName: string): AccessRule | undefined;
  /** Types that carry a rule themselves or on any field: answers about them depend on the caller. */
  callerDependentTypes: ReadonlySet<string>;
}

const ENFORCED = {
  'https://specs.apollo.dev/authenticated/': 'authenticated',
  'https://specs.apollo.dev/requiresScopes/': 'requiresScopes',
} as const;
/** SECURITY features @apollo/gateway enforces itself. */
const ENFORCED_BY_APOLLO_GATEWAY = ['https://specs.apollo.dev/inaccessible/'];

/**
 * Reads the access rules (`@authenticated`, `@requiresScopes`) from a composed supergraph and
 * returns them with the supergraph that @apollo/gateway is to load: the same, with `for: SECURITY`
 * removed from exactly the two links this gateway enforces. Stock @apollo/gateway refuses a
 * supergraph with SECURITY features it does not know, as the link spec demands; the purpose may
 * only be removed by the code that enforces it, so the stripped supergraph exists only together
 * with its policy (fail closed). A SECURITY feature that neither enforces is refused here.
 */
export function readAccessPolicy(supergraphSdl: string): { policy: AccessPolicy; gatewaySupergraph: string } {
  const document = parse(supergraphSdl);
  const names = new Map<string, 'authenticated' | 'requiresScopes'>();
  const stripped = visit(document, {
    SchemaDefinition(schema) {
      return {
        ...schema,
        directives: schema.directives?.map((directive) => {
          if (directive.name.value !== 'link') return directive;
          const url = stringArgument(directive, 'url') ?? '';
          const purpose = directive.arguments?.find((arg) => arg.name.value === 'for');
          const feature = Object.entries(ENFORCED).find(([prefix]) => url.startsWith(prefix))?.[1];
          if (feature) {
            if (!/\/v0\.1$/.test(url)) throw new Error(`Unsupported version of a security feature: ${url}`);
            names.set(stringArgument(directive, 'as') ?? feature, feature);
            return { ...directive, arguments: directive.arguments?.filter((arg) => arg !== purpose) };
          }
          const isSecurity = purpose?.value.kind === Kind.ENUM && purpose.value.value === 'SECURITY';
          if (isSecurity && !ENFORCED_BY_APOLLO_GATEWAY.some((prefix) => url.startsWith(prefix)))
            throw new Error(`The supergraph uses ${url} for SECURITY, which this gateway does not enforce`);
          return directive;
        }),
      };
    },
  });

  const typeRules = new Map<string, AccessRule>();
  const fieldRules = new Map<string, AccessRule>();
  const returnTypes = new Map<string, string>();
  const callerDependentTypes = new Set<string>();
  for (const definition of document.definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      definition.kind !== Kind.SCALAR_TYPE_DEFINITION &&
      definition.kind !== Kind.ENUM_TYPE_DEFINITION
    )
      continue;
    const typeName = definition.name.value;
    const typeRule = ruleOf(definition.directives, names);
    if (typeRule) {
      typeRules.set(typeName, typeRule);
      callerDependentTypes.add(typeName);
    }
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION)
      continue;
    for (const field of definition.fields ?? []) {
      const coordinate = `${typeName}.${field.name.value}`;
      returnTypes.set(coordinate, namedType(field.type));
      const rule = ruleOf(field.directives, names);
      if (rule) {
        fieldRules.set(coordinate, rule);
        callerDependentTypes.add(typeName);
      }
    }
  }

  const combined = new Map<string, AccessRule | undefined>();
  const policy: AccessPolicy = {
    ruleFor(typeName, fieldName) {
      const coordinate = `${typeName}.${fieldName}`;
      if (!combined.has(coordinate)) {
        const returned = returnTypes.get(coordinate);
        combined.set(
          coordinate,
          merge([
            typeRules.get(typeName),
            fieldRules.get(coordinate),
            returned ? typeRules.get(returned) : undefined,
          ]),
        );
      }
      return combined.get(coordinate);
    },
    callerDependentTypes,
  };
  return { policy, gatewaySupergraph: print(stripped) };
}

function ruleOf(
  directives: readonly ConstDirectiveNode[] | undefined,
  names: Map<string, 'authenticated' | 'requiresScopes'>,
): AccessRule | undefined {
  let rule: AccessRule | undefined;
  for (const directive of directives ?? []) {
    const feature = names.get(directive.name.value);
    if (!feature) continue;
    rule ??= { authenticated: false, scopes: [] };
    if (feature === 'authenticated') rule.authenticated = true;
    else {
      const value = directive.arguments?.find((arg) => arg.name.value === 'scopes')?.value;
      rule.scopes.push(listOf(value).map((set) => listOf(set).map(stringOf)));
    }
  }
  return rule;
}

function merge(rules: (AccessRule | undefined)[]): AccessRule | undefined {
  const present = rules.filter((rule): rule is AccessRule => rule !== undefined);
  if (present.length === 0) return undefined;
  return {
    authenticated: present.some((rule) => rule.authenticated),
    scopes: present.flatMap((rule) => rule.scopes),
  };
}

function listOf(value: ConstValueNode | undefined): readonly ConstValueNode[] {
  if (!value) return [];
  return value.kind === Kind.LIST ? value.values : [value];
}

function stringOf(value: ConstValueNode): string {
  if (value.kind !== Kind.STRING) throw new Error('@requiresScopes scopes must be strings');
  return value.value;
}

function stringArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((arg) => arg.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}
