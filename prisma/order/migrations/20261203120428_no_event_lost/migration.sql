-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "settled_at" TIMESTAMPTZ(3);

-- Added by hand: orders placed before reactions were recorded (inventory's stock_decisions) cannot be
-- driven on safely (a re-sent OrderCreated would reserve their stock again), so they count as settled.
UPDATE "orders" SET "settled_at" = "created_at";

-- CreateTable
CREATE TABLE "outbox_relay_state" (
    "relay" TEXT NOT NULL,
    "bus_epoch" TEXT,
    "safe_point" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "outbox_relay_state_pkey" PRIMARY KEY ("relay")
);

-- CreateTable
CREATE TABLE "copy_sources" (
    "copy" TEXT NOT NULL,
    "owner_id" UUID NOT NULL,
    "value" TEXT NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "copy_sources_pkey" PRIMARY KEY ("copy","owner_id")
);

-- CreateIndex
CREATE INDEX "orders_settled_at_created_at_idx" ON "orders"("settled_at", "created_at");
