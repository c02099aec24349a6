import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { getOperationAST, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccessPolicy } from '../src/access/readAccessPolicy.ts';
import { readCostModel } from '../src/limits/costModel.ts';
import { actualCost, measureOperation } from '../src/limits/measureOperation.ts';
import { operationLimitsConfig } from '../src/limits/operationLimits.ts';

const supergraph = readFileSync(new URL('../../supergraph/supergraph.graphql', import.meta.url), 'utf8');
const model = readCostModel(supergraph);
const limits = operationLimitsConfig({});
const gateway = new ApolloGateway({ supergraphSdl: readAccessPolicy(supergraph).gatewaySupergraph });
let schema: Parameters<typeof measureOperation>[0];
beforeAll(async () => {
  schema = (await gateway.load()).schema;
});
afterAll(() => gateway.stop());

const measure = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  return measureOperation(schema, document, getOperationAST(document)!, variables, model, limits);
};
const aliasBomb = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: orders(first: 100) { items { product { name stock } } }`).join(' ')} }`;
const cycle = `{ orders { ${'shipment { order { '.repeat(6)}id${' } }'.repeat(6)} } }`;

describe('measureOperation', () => {
  it('reads @listSize slicing arguments, assumed sizes and @cost weights from the supergraph', () => {
    expect(model.listSizes.get('Query.orders')).toEqual({ slicingArguments: ['first'] });
    expect(model.listSizes.get('Order.items')).toEqual({ assumedSize: 10, slicingArguments: [] });
    expect(model.weights.get('Mutation.renameProduct')).toBe(50);
  });

  it('estimates cost from the slicing argument (literal, variable, default) and the items assumed per order', () => {
    // 5 orders x (1 order + 10 items x (1 item + 1 product)) = 105
    expect(measure('{ orders(first: 5) { items { product { name stock } } } }').cost).toBe(105);
    expect(measure('query ($n: Int) { orders(first: $n) { id } }', { n: 50 }).cost).toBe(50);
    expect(measure('query ($n: Int = 7) { orders(first: $n) { id } }').cost).toBe(7);
    expect(measure('{ orders { id } }').cost).toBe(20); // the argument's default
    expect(measure('mutation { renameProduct(id: "x", name: "y") { id } }').cost).toBe(50);
    expect(measure('mutation { createProduct(input: { sku: "a", name: "b", price: 1 }) { id } }').cost).toBe(
      10,
    );
  });

  it('measures the two operations the limits must refuse, and lets the demo through', () => {
    const bomb = measure(aliasBomb);
    expect(bomb).toMatchObject({ aliases: 200, rootFields: 200, cost: 200 * 100 * 21 });
    expect(bomb.cost).toBeGreaterThan(limits.maxCost);
    expect(measure(cycle).depth).toBe(14);
    expect(measure(cycle).depth).toBeGreaterThan(limits.maxDepth);
    const demo = measure(
      '{ orders(first: 5) { id status total items { productName unitPrice quantity product { name price stock } } shipment { status } } }',
    );
    expect(demo.cost).toBeLessThan(limits.maxCost);
    expect(demo.depth).toBeLessThanOrEqual(limits.maxDepth);
  });

  it('measures fragments once each: a document that reuses them exponentially costs what it expands to', () => {
    // 40 levels of fragments each spread twice would expand to 2^40 selections.
    const levels = 40;
    const query = `{ products(first: 1) { ...G0 } } ${Array.from({ length: levels }, (_, i) => `fragment G${i} on Product { id ${i < levels - 1 ? `...G${i + 1} ...G${i + 1}` : ''} }`).join(' ')}`;
    const measured = measure(query);
    expect(measured.depth).toBe(2);
    expect(measured.cost).toBe(1);
  });
});

describe('actualCost', () => {
  const costOf = (query: string, data: Record<string, unknown>) => {
    const document = parse(query);
    return actualCost(schema, document, getOperationAST(document)!, data, model, limits);
  };
  const order = (items: number, shipment = true) => ({
    id: 'o',
    items: Array.from({ length: items }, () => ({ quantity: 1, product: { name: 'p' } })),
    shipment: shipment ? { status: 'PENDING' } : null,
  });

  it('counts the objects that came back with their weights, lists as long as they are', () => {
    const query = '{ orders(first: 100) { id items { quantity product { name } } shipment { status } } }';
    // Each order 1, each item 1 and its product 1, a shipment 1; leaves cost nothing.
    expect(costOf(query, { orders: [order(3), order(1, false)] })).toBe(1 + 3 * 2 + 1 + (1 + 1 * 2));
    expect(costOf(query, { orders: [] })).toBe(0);
    expect(costOf(query, { orders: [null, order(0, false)] })).toBe(1);
  });

  it('follows aliases, fragments and inline fragments, and mutation weights', () => {
    const query =
      '{ a: orders { ...O } b: orders { ... on Order { items { product { id } } } } } fragment O on Order { shipment { status } }';
    const data = { a: [order(0)], b: [order(2, false)] };
    expect(costOf(query, data)).toBe(1 + 1 + (1 + 2 * 2));
    expect(
      costOf('mutation { renameProduct(id: "x", name: "y") { id } }', { renameProduct: { id: 'x' } }),
    ).toBe(50);
  });

  it('gives the same answer the second time, from its memoized walk of the same document', () => {
    const document = parse('{ orders { items { product { name } } } }');
    const operation = getOperationAST(document)!;
    const cost = (data: Record<string, unknown>) =>
      actualCost(schema, document, operation, data, model, limits);
    expect(cost({ orders: [order(2)] })).toBe(1 + 2 * 2);
    expect(cost({ orders: [order(5), order(1)] })).toBe(2 + 6 * 2);
  });
});
