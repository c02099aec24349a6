import { fieldCopy } from '@msd/events';

/** `rides.driver_name`: a copy of the driver's name, kept fresh by DriverUpdated and reconciliation. */
export const driverNameCopy = fieldCopy({
  copy: 'ride.driverName',
  table: 'rides',
  key: 'driver_id',
  value: 'driver_name',
  version: 'driver_version',
});
