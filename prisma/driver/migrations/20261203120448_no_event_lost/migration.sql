-- CreateTable
CREATE TABLE "outbox_relay_state" (
    "relay" TEXT NOT NULL,
    "bus_epoch" TEXT,
    "safe_point" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "outbox_relay_state_pkey" PRIMARY KEY ("relay")
);
