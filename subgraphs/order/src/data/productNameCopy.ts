import { fieldCopy } from '@msd/events';

/** `order_items.product_name`: a copy of the product's name, kept fresh by ProductUpdated and reconciliation. */
export const productNameCopy = fieldCopy({
  copy: 'order.productName',
  table: 'order_items',
  key: 'product_id',
  value: 'product_name',
  version: 'product_version',
});
