import { appendToOutbox } from '@msd/events';
import type { PageArgs } from '@msd/service-kit';
import type { ProductDatabase } from './database.ts';
import type { Product } from './generated/client.ts';

export type ProductRecord = Product;

export interface NewProduct {
  sku: string;
  name: string;
  description: string | null;
  priceCents: number;
}

export type ProductPatch = Partial<Pick<NewProduct, 'name' | 'description' | 'priceCents'>>;

export class DuplicateSku extends Error {}

/** What the API reads of a product. */
export type ProductRow = Omit<ProductRecord, 'createdAt'>;

// One statement text for any number of ids (`= ANY($1)`, not a fresh `IN ($1..$n)` per batch size),
// so PostgreSQL can keep its plan, and only the columns the API reads.
export function findProductsByIds(db: ProductDatabase, ids: readonly string[]): Promise<ProductRow[]> {
  return db.$queryRaw<ProductRow[]>`
    SELECT id, sku, name, description, price_cents AS "priceCents", version, updated_at AS "updatedAt"
    FROM products WHERE id = ANY(${[...ids]}::uuid[])`;
}

export function listProducts(db: ProductDatabase, page: PageArgs): Promise<ProductRecord[]> {
  return db.product.findMany({
    where: page.afterId ? { id: { gt: page.afterId } } : {},
    orderBy: { id: 'asc' },
    take: page.take,
  });
}

/** The product and its ProductCreated event commit together (transactional outbox). */
export async function insertProduct(db: ProductDatabase, product: NewProduct): Promise<ProductRecord> {
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.product.create({ data: product });
      await appendToOutbox(tx, {
        type: 'ProductCreated',
        aggregateId: created.id,
        version: created.version,
        payload: {
          productId: created.id,
          sku: created.sku,
          name: created.name,
          price: created.priceCents / 100,
        },
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateSku(product.sku);
    throw error;
  }
}

/** The ProductUpdated event of a product as it now is: every write of a product announces it so. */
export function productUpdated(product: ProductRecord) {
  return {
    type: 'ProductUpdated',
    aggregateId: product.id,
    version: product.version,
    payload: {
      productId: product.id,
      name: product.name,
      description: product.description,
      price: product.priceCents / 100,
    },
  } as const;
}

/**
 * Applies a patch and bumps the version in one statement, and writes ProductUpdated in the same
 * transaction; `null` when there is no such product.
 */
export function updateProduct(
  db: ProductDatabase,
  id: string,
  patch: ProductPatch,
): Promise<ProductRecord | null> {
  return db.$transaction(async (tx) => {
    const [updated] = await tx.product.updateManyAndReturn({
      where: { id },
      data: { ...patch, version: { increment: 1 } },
    });
    if (!updated) return null;
    await appendToOutbox(tx, productUpdated(updated));
    return updated;
  });
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'P2002';
}
