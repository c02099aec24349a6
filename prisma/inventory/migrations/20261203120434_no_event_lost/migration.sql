-- CreateTable
CREATE TABLE "stock_decisions" (
    "order_id" UUID NOT NULL,
    "outcome" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "payload" JSONB NOT NULL,
    "items" JSONB NOT NULL,
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stock_decisions_pkey" PRIMARY KEY ("order_id")
);

-- CreateTable
CREATE TABLE "outbox_relay_state" (
    "relay" TEXT NOT NULL,
    "bus_epoch" TEXT,
    "safe_point" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "outbox_relay_state_pkey" PRIMARY KEY ("relay")
);
