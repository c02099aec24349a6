import {
  badUserInput,
  type GraphQLResolverMap,
  isUuid,
  notFound,
  pageArgs,
  requireText,
} from '@msd/service-kit';
import type { ProductContext } from './context.ts';
import {
  DuplicateSku,
  insertProduct,
  listProducts,
  type ProductPatch,
  type ProductRecord,
  updateProduct,
} from './data/products.ts';

interface CreateProductInput {
  sku: string;
  name: string;
  description?: string | null;
  price: number;
}

type UpdateProductInput = Partial<Omit<CreateProductInput, 'sku'>>;

export const resolvers: GraphQLResolverMap<ProductContext> = {
  Query: {
    product: (_: unknown, { id }: { id: string }, { loaders }: ProductContext) =>
      loaders.productById.load(id),
    products: (_: unknown, args: { first?: number; after?: string }, { db }: ProductContext) =>
      listProducts(db, pageArgs(args)),
  },
  Mutation: {
    createProduct: async (
      _: unknown,
      { input }: { input: CreateProductInput },
      { db, consistency }: ProductContext,
    ) => {
      const sku = requireText(input.sku, 'sku', 64);
      try {
        return wrote(
          consistency,
          await insertProduct(db, {
            sku,
            name: requireText(input.name, 'name'),
            description: optionalDescription(input.description) ?? null,
            priceCents: toCents(input.price),
          }),
        );
      } catch (error) {
        if (error instanceof DuplicateSku)
          throw badUserInput(`A product with sku "${sku}" already exists`, { field: 'sku' });
        throw error;
      }
    },
    updateProduct: async (
      _: unknown,
      { id, input }: { id: string; input: UpdateProductInput },
      { db, consistency }: ProductContext,
    ) => {
      const patch: ProductPatch = {};
      if (input.name != null) patch.name = requireText(input.name, 'name');
      if (input.description !== undefined) patch.description = optionalDescription(input.description) ?? null;
      if (input.price != null) patch.priceCents = toCents(input.price);
      if (Object.keys(patch).length === 0)
        throw badUserInput('Nothing to update: give name, description or price');
      const updated = isUuid(id) ? await updateProduct(db, id, patch) : null;
      if (!updated) throw notFound(`No product with id "${id}"`, { id });
      return wrote(consistency, updated);
    },
  },
  Product: {
    __resolveReference: ({ id }: { id: string }, { loaders }: ProductContext) => loaders.productById.load(id),
    price: (product: ProductRecord) => product.priceCents / 100,
    updatedAt: (product: ProductRecord) => product.updatedAt.toISOString(),
  },
};

/** Records a written product's version for the caller's consistency token. */
function wrote(consistency: ProductContext['consistency'], product: ProductRecord): ProductRecord {
  consistency.wrote(`product:${product.id}`, product.version);
  return product;
}

function toCents(price: number): number {
  const cents = Math.round(price * 100);
  if (!Number.isFinite(price) || price < 0 || price > 10_000_000 || Math.abs(price * 100 - cents) > 1e-6) {
    throw badUserInput('"price" must be between 0 and 10,000,000 with at most two decimals', {
      field: 'price',
    });
  }
  return cents;
}

function optionalDescription(description: string | null | undefined): string | null | undefined {
  if (description == null) return description;
  const text = description.trim();
  if (text.length > 2000)
    throw badUserInput('"description" must be at most 2000 characters', { field: 'description' });
  return text === '' ? null : text;
}
