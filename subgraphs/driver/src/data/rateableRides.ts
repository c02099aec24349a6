import type { EffectOutcome, EventEnvelope, TransactionClient } from '@msd/events';

/**
 * Records a finished ride as one its rider may rate (RideCompleted, applied once through the inbox).
 * The driver service keeps this copy so that a rating never has to ask the ride service.
 */
export async function recordRateableRide(
  tx: TransactionClient,
  event: EventEnvelope<'RideCompleted'>,
): Promise<EffectOutcome> {
  const inserted: number = await tx.$executeRaw`
    INSERT INTO rateable_rides (ride_id, rider_id, driver_id, completed_at)
    VALUES (${event.payload.rideId}::uuid, ${event.payload.riderId}, ${event.payload.driverId}::uuid,
            ${event.occurredAt}::timestamptz)
    ON CONFLICT (ride_id) DO NOTHING`;
  return inserted === 1 ? 'applied' : 'stale';
}

/**
 * Marks one finished, unrated ride with the driver as rated with `stars`, inside the rating's
 * transaction: `rideId` if given, else the oldest; of `riderId` only, or of any rider (an operator,
 * who acts for every rider). Returns the ride's id, or undefined when there is none to rate. A ride
 * another rating holds right now is skipped, so two concurrent ratings never take the same ride.
 */
export async function takeRateableRide(
  tx: TransactionClient,
  choice: { driverId: string; stars: number; riderId: string | undefined; rideId: string | undefined },
): Promise<string | undefined> {
  const rows: { rideId: string }[] = await tx.$queryRaw`
    UPDATE rateable_rides SET rated_at = clock_timestamp(), stars = ${choice.stars}
    WHERE ride_id = (
      SELECT ride_id FROM rateable_rides
      WHERE driver_id = ${choice.driverId}::uuid AND rated_at IS NULL
        AND (${choice.riderId}::text IS NULL OR rider_id = ${choice.riderId}::text)
        AND (${choice.rideId}::uuid IS NULL OR ride_id = ${choice.rideId}::uuid)
      ORDER BY completed_at, ride_id
      LIMIT 1
      FOR UPDATE SKIP LOCKED)
    RETURNING ride_id::text AS "rideId"`;
  return rows[0]?.rideId;
}
