-- CreateIndex
CREATE INDEX "rides_rider_id_driver_id_idx" ON "rides"("rider_id", "driver_id");
