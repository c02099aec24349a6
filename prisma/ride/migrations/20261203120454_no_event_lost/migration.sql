-- CreateTable
CREATE TABLE "copy_sources" (
    "copy" TEXT NOT NULL,
    "owner_id" UUID NOT NULL,
    "value" TEXT NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "copy_sources_pkey" PRIMARY KEY ("copy","owner_id")
);
