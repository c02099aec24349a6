-- AlterTable: a version per stock row, bumped by every change, for the writer's consistency token.
ALTER TABLE "stock_levels" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;
