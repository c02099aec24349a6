-- CreateTable
CREATE TABLE "rateable_rides" (
    "ride_id" UUID NOT NULL,
    "rider_id" TEXT NOT NULL,
    "driver_id" UUID NOT NULL,
    "completed_at" TIMESTAMPTZ(3) NOT NULL,
    "stars" INTEGER,
    "rated_at" TIMESTAMPTZ(3),

    CONSTRAINT "rateable_rides_pkey" PRIMARY KEY ("ride_id")
);

-- CreateTable
CREATE TABLE "processed_events" (
    "event_id" UUID NOT NULL,
    "consumer" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "lag_ms" DOUBLE PRECISION NOT NULL,
    "processed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("event_id","consumer")
);

-- CreateIndex
CREATE INDEX "rateable_rides_driver_id_rider_id_completed_at_idx" ON "rateable_rides"("driver_id", "rider_id", "completed_at");

-- CreateIndex
CREATE INDEX "processed_events_consumer_processed_at_idx" ON "processed_events"("consumer", "processed_at");
