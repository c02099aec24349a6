import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { describe, expect, it } from 'vitest';
import { readAccessPolicy } from '../src/access/readAccessPolicy.ts';

const supergraph = readFileSync(new URL('../../supergraph/supergraph.graphql', import.meta.url), 'utf8');

async function loads(supergraphSdl: string): Promise<void> {
  const gateway = new ApolloGateway({ supergraphSdl });
  try {
    await gateway.load();
  } finally {
    await gateway.stop();
  }
}

describe('readAccessPolicy', () => {
  it('stock @apollo/gateway refuses the composed supergraph: its SECURITY features are unknown to it', async () => {
    await expect(loads(supergraph)).rejects.toThrow(
      /authenticated\/v0\.1 is for: SECURITY but is unsupported|requiresScopes/,
    );
  });

  it('reads the rules and hands over a supergraph that loads, with only the enforced purposes removed', async () => {
    const { policy, gatewaySupergraph } = readAccessPolicy(supergraph);
    await loads(gatewaySupergraph);
    expect(gatewaySupergraph).toContain(
      '@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)',
    );
    expect(gatewaySupergraph).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1")');
    expect(policy.ruleFor('Query', 'products')).toBeUndefined();
    expect(policy.ruleFor('Product', 'stock')).toBeUndefined();
    expect(policy.ruleFor('Query', 'drivers')).toEqual({ authenticated: true, scopes: [] });
    expect(policy.ruleFor('Mutation', 'createProduct')).toEqual({
      authenticated: false,
      scopes: [[['operator']]],
    });
    // Order's type rule reaches the fields other subgraphs add to it and the fields returning it.
    expect(policy.ruleFor('Order', 'shipment')?.scopes).toEqual([[['customer'], ['operator']]]);
    expect(policy.ruleFor('Shipment', 'order')?.scopes).toEqual([[['customer'], ['operator']]]);
    expect([...policy.callerDependentTypes].sort()).toEqual(
      expect.arrayContaining(['Order', 'Ride', 'ReplicationStatus', 'Mutation', 'Query']),
    );
    expect(policy.callerDependentTypes.has('Driver')).toBe(false);
    expect(policy.callerDependentTypes.has('Product')).toBe(false);
  });

  it('fails closed on a SECURITY feature it does not enforce', () => {
    const unknown = supergraph.replace(
      '@link(url: "https://specs.apollo.dev/link/v1.0")',
      '@link(url: "https://specs.apollo.dev/link/v1.0")\n  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
    );
    expect(() => readAccessPolicy(unknown)).toThrow(/policy\/v0\.1 for SECURITY/);
    const newer = supergraph.replace('authenticated/v0.1', 'authenticated/v0.2');
    expect(() => readAccessPolicy(newer)).toThrow(/Unsupported version/);
  });
});
