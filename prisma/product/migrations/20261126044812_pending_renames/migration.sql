-- CreateTable
CREATE TABLE "pending_renames" (
    "transaction_id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "version" INTEGER,
    "prepared_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),
    "decided_at" TIMESTAMPTZ(6),

    CONSTRAINT "pending_renames_pkey" PRIMARY KEY ("transaction_id")
);

-- CreateIndex
CREATE INDEX "pending_renames_state_prepared_at_idx" ON "pending_renames"("state", "prepared_at");

-- Written by hand (Prisma cannot express a partial index): at most one rename of a product may be
-- prepared and undecided at a time, so a second concurrent STRONG rename is refused at prepare.
CREATE UNIQUE INDEX "pending_renames_one_prepared_per_product" ON "pending_renames"("product_id") WHERE "state" = 'PREPARED';
