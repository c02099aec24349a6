-- CreateEnum
CREATE TYPE "RenameState" AS ENUM ('PREPARING', 'COMMITTING', 'ABORTING', 'COMMITTED', 'ABORTED');

-- CreateTable
CREATE TABLE "rename_transactions" (
    "id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "state" "RenameState" NOT NULL,
    "failed_participant" TEXT,
    "error" TEXT,
    "version" INTEGER,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),
    "decided_at" TIMESTAMPTZ(6),

    CONSTRAINT "rename_transactions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "rename_transactions_state_updated_at_idx" ON "rename_transactions"("state", "updated_at");

-- CreateIndex
CREATE INDEX "rename_transactions_product_id_idx" ON "rename_transactions"("product_id");

-- Written by hand (Prisma cannot express a partial index): one undecided or committing rename per
-- product, so two STRONG renames of one product serialize here and the second fails with CONFLICT.
CREATE UNIQUE INDEX "rename_transactions_one_in_flight_per_product" ON "rename_transactions"("product_id") WHERE "state" IN ('PREPARING', 'COMMITTING');
