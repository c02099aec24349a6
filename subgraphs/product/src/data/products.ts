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

export function findProductsByIds(db: ProductDatabase, ids: readonly string[]): Promise<ProductRecord[]> {
  return db.product.findMany({ where: { id: { in: [...ids] } } });
}

export function listProducts(db: ProductDatabase, page: PageArgs): Promise<ProductRecord[]> {
  return db.product.findMany({
    where: page.afterId ? { id: { gt: page.afterId } } : {},
    orderBy: { id: 'asc' },
    take: page.take,
  });
}

export async function insertProduct(db: ProductDatabase, product: NewProduct): Promise<ProductRecord> {
  try {
    return await db.product.create({ data: product });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateSku(product.sku);
    throw error;
  }
}

/** Applies a patch and bumps the version in one statement; `null` when there is no such product. */
export async function updateProduct(
  db: ProductDatabase,
  id: string,
  patch: ProductPatch,
): Promise<ProductRecord | null> {
  const updated = await db.product.updateManyAndReturn({
    where: { id },
    data: { ...patch, version: { increment: 1 } },
  });
  return updated[0] ?? null;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'P2002';
}
