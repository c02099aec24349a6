-- AlterTable: whose order a shipment ships (from OrderCreated), so its order is shown to that customer only
ALTER TABLE "shipments" ADD COLUMN     "customer_id" TEXT;
