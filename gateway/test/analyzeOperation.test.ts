import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { buildSchema, type GraphQLSchema, getIntrospectionQuery, getOperationAST, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccessPolicy } from '../src/access/readAccessPolicy.ts';
import { createOperationAnalyzer } from '../src/analyzeOperation.ts';
import { actualCost } from '../src/limits/actualCost.ts';
import { type CostModel, readCostModel } from '../src/limits/costModel.ts';
import { defaultOperationLimits as limits } from '../src/limits/operationLimits.ts';

const supergraph = readFileSync(new URL('../../supergraph/supergraph.graphql', import.meta.url), 'utf8');
const model = readCostModel(supergraph);
const { policy, gatewaySupergraph } = readAccessPolicy(supergraph);
const gateway = new ApolloGateway({ supergraphSdl: gatewaySupergraph });
let schema: GraphQLSchema;
beforeAll(async () => {
  schema = (await gateway.load()).schema;
});
afterAll(() => gateway.stop());

const analyzer = createOperationAnalyzer(model, policy, limits);
const analyze = (query: string, on: GraphQLSchema = schema, using = analyzer) => {
  const document = parse(query);
  return using(on, document, getOperationAST(document)!);
};
const measure = (query: string, variables: Record<string, unknown> = {}) => {
  const analysis = analyze(query);
  return { ...analysis, cost: analysis.cost(variables) };
};
const aliasBomb = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: orders(first: 100) { items { product { name stock } } }`).join(' ')} }`;
const cycle = `{ orders { ${'shipment { order { '.repeat(6)}id${' } }'.repeat(6)} } }`;

describe('analyzeOperation', () => {
  it('reads @listSize slicing arguments, assumed sizes and @cost weights from the supergraph', () => {
    expect(model.listSizes.get('Query.orders')).toEqual({ slicingArguments: ['first'] });
    // An order holds at most 100 items (placeOrder refuses more): the estimate assumes the most.
    expect(model.listSizes.get('Order.items')).toEqual({ assumedSize: 100, slicingArguments: [] });
    expect(model.weights.get('Mutation.renameProduct')).toBe(50);
  });

  it('estimates cost from the slicing argument (literal, variable, default) and the items assumed per order', () => {
    // 5 orders x (1 order + 100 items x (1 item + 1 product)) = 1005
    expect(measure('{ orders(first: 5) { items { product { name stock } } } }').cost).toBe(1005);
    expect(measure('query ($n: Int) { orders(first: $n) { id } }', { n: 50 }).cost).toBe(50);
    expect(measure('query ($n: Int = 7) { orders(first: $n) { id } }').cost).toBe(7);
    expect(measure('query ($n: Int = 7) { orders(first: $n) { id } }', { n: 3 }).cost).toBe(3);
    expect(measure('{ orders { id } }').cost).toBe(20); // the argument's default
    expect(measure('mutation { renameProduct(id: "x", name: "y") { id } }').cost).toBe(50);
    expect(measure('mutation { createProduct(input: { sku: "a", name: "b", price: 1 }) { id } }').cost).toBe(
      10,
    );
  });

  it('measures the two operations the limits must refuse, and lets the demo through', () => {
    const bomb = measure(aliasBomb);
    expect(bomb).toMatchObject({ aliases: 200, rootFields: 200, cost: 200 * 100 * 201 });
    expect(bomb.cost).toBeGreaterThan(limits.maxCost);
    expect(measure(cycle).depth).toBe(14);
    expect(measure(cycle).depth).toBeGreaterThan(limits.maxDepth);
    const demo = measure(
      '{ orders(first: 5) { id status total items { productName unitPrice quantity product { name price stock } } shipment { status } } }',
    );
    expect(demo.cost).toBeLessThan(limits.maxCost);
    expect(demo.depth).toBeLessThanOrEqual(limits.maxDepth);
  });

  it('walks fragments once each: a document that reuses them exponentially costs what it expands to', () => {
    // 40 levels of fragments each spread twice would expand to 2^40 selections.
    const levels = 40;
    const query = `query ($n: Int) { products(first: $n) { ...G0 } } ${Array.from({ length: levels }, (_, i) => `fragment G${i} on Product { id ${i < levels - 1 ? `...G${i + 1} ...G${i + 1}` : ''} }`).join(' ')}`;
    const measured = measure(query, { n: 1 });
    expect(measured.depth).toBe(2);
    expect(measured.cost).toBe(1);
  });

  it('analyses a document once: the same document gives the same analysis, only the variables are evaluated', () => {
    const document = parse('query ($n: Int) { orders(first: $n) { id } }');
    const operation = getOperationAST(document)!;
    const first = analyzer(schema, document, operation);
    expect(analyzer(schema, document, operation)).toBe(first);
    expect([first.cost({ n: 2 }), first.cost({ n: 9 })]).toEqual([2, 9]);
  });

  it('lists the fields that carry access rules, and none for a public read', () => {
    expect(analyze('{ products { name } }').ruledFields).toEqual([]);
    const ruled = analyze('{ products { name } orders { id customerId } }').ruledFields;
    expect(ruled.map((field) => `${field.typeName}.${field.node.name.value}`)).toContain('Query.orders');
  });

  describe('introspection counts like any field', () => {
    const tools = [
      ['graphql-js defaults', getIntrospectionQuery()],
      [
        'GraphiQL and Apollo Sandbox (every option on)',
        getIntrospectionQuery({
          descriptions: true,
          specifiedByUrl: true,
          directiveIsRepeatable: true,
          schemaDescription: true,
          inputValueDeprecation: true,
        }),
      ],
    ] as const;
    for (const [tool, query] of tools)
      it(`lets the introspection of ${tool} through the default limits`, () => {
        const measured = measure(query);
        expect(measured.depth).toBe(0);
        expect(measured.introspectionDepth).toBeGreaterThan(limits.maxDepth);
        expect(measured.introspectionDepth).toBeLessThanOrEqual(limits.maxIntrospectionDepth);
        expect(measured.aliases).toBeLessThanOrEqual(limits.maxAliases);
        expect(measured.rootFields).toBeLessThanOrEqual(limits.maxRootFields);
        expect(measured.cost).toBeLessThanOrEqual(limits.maxCost);
        expect(measured.cost).toBeGreaterThan(100);
      });

    it('refuses 30 aliased __schema and a 40-level nested type reference', () => {
      const fields = 'types { name fields { name type { name ofType { name } } } }';
      const many = measure(
        `{ ${Array.from({ length: 30 }, (_, i) => `s${i}: __schema { ${fields} }`).join(' ')} }`,
      );
      expect(many.rootFields).toBe(30);
      expect(many.rootFields).toBeGreaterThan(limits.maxRootFields);
      const nested = measure(`{ __type(name: "Query") { ${'ofType { '.repeat(40)}name${' }'.repeat(40)} } }`);
      expect(nested.introspectionDepth).toBeGreaterThan(limits.maxIntrospectionDepth);
      // Re-expanding the schema multiplies like the answer does: ten of these are over the limit.
      const reexpanded = measure('{ __schema { types { fields { type { fields { name } } } } } }');
      expect(reexpanded.cost * 10).toBeGreaterThan(limits.maxCost);
    });
  });
});

describe('estimated and actual cost share one rule set', () => {
  // An interface whose implementations weigh differently, and a leaf with @cost.
  const vehicles = buildSchema(`
    interface Vehicle { id: ID! plate: String! owner: Person }
    type Car implements Vehicle { id: ID! plate: String! owner: Person }
    type Truck implements Vehicle { id: ID! plate: String! owner: Person load: Int! }
    type Person { name: String! }
    type Query { vehicles: [Vehicle!]! }
  `);
  const vehicleModel: CostModel = {
    weights: new Map([
      ['Truck.plate', 5],
      ['Car.owner', 3],
    ]),
    listSizes: new Map([['Query.vehicles', { assumedSize: 4, slicingArguments: [] }]]),
  };
  const noRules = { ruleFor: () => undefined, callerDependentTypes: new Set<string>() };
  const vehicleAnalyzer = createOperationAnalyzer(vehicleModel, noRules, limits);
  const query = '{ vehicles { __typename plate owner { name } } }';
  const actual = (data: Record<string, unknown>) => {
    const document = parse(query);
    return actualCost(vehicles, document, getOperationAST(document)!, data, vehicleModel, limits);
  };
  const truck = { __typename: 'Truck', plate: 'T', owner: { name: 'x' } };
  const car = { __typename: 'Car', plate: 'C', owner: { name: 'y' } };

  it('weighs a field selected on an interface as the heaviest implementation does, leaves with @cost included', () => {
    // 4 vehicles x (1 + plate 5 (Truck) + owner 3 (Car))
    expect(analyze(query, vehicles, vehicleAnalyzer).cost({})).toBe(36);
  });

  it('charges each answer by its concrete types, never above the estimate', () => {
    // A truck: 1 + plate 5 + owner 1; a car: 1 + plate 0 + owner 3.
    expect(actual({ vehicles: [truck, { ...car, owner: null }] })).toBe(1 + 5 + 1 + 1);
    expect(actual({ vehicles: [truck, truck, truck, truck] })).toBe(4 * 7);
    expect(actual({ vehicles: [car, car, car, car] })).toBe(4 * 4);
    expect(actual({ vehicles: [truck, truck, truck, truck] })).toBeLessThanOrEqual(36);
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
