/**
 * What the hybrid benchmark expects of an answer to `rides(first: n) { driverName driver { … } }`,
 * with the driver service up and with it down.
 */
import type { Check } from '../harness/index.ts';

interface RidesAnswer {
  data?: {
    rides?: { driverName?: string | null; driver: { name: string; car: { model: string } | null } | null }[];
  } | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: { code?: string; service?: string };
  }[];
}

/** Everything there: `rides` rides, each with its driverName and its live driver (same name). */
export const completeRides =
  (rides: number): Check =>
  (body) => {
    const answer = JSON.parse(body) as RidesAnswer;
    if (answer.errors?.length) return `error: ${answer.errors[0]?.message.slice(0, 60)}`;
    const list = answer.data?.rides;
    if (list?.length !== rides) return `rides: ${list?.length}`;
    for (const ride of list) {
      if (!ride.driverName) return 'driverName missing';
      if (!ride.driver) return 'driver null';
      if (ride.driver.name !== ride.driverName || typeof ride.driver.car?.model !== 'string')
        return 'driver differs from driverName';
    }
    return undefined;
  };

/**
 * The driver service down: still `rides` rides, each with its driverName (the ride's own copy), every
 * `driver` null, and errors, all SERVICE_UNAVAILABLE naming the driver service. Counts the errors
 * per answer and the rides they cover.
 */
export function degradedRides(rides: number) {
  const detail = {
    minErrors: Number.POSITIVE_INFINITY,
    maxErrors: 0,
    minRidesWithError: Number.POSITIVE_INFINITY,
  };
  const check: Check = (body) => {
    const answer = JSON.parse(body) as RidesAnswer;
    const list = answer.data?.rides;
    if (list?.length !== rides) return `rides: ${list?.length}`;
    if (list.some((ride) => !ride.driverName)) return 'driverName missing';
    if (list.some((ride) => ride.driver !== null)) return 'driver not null';
    const errors = answer.errors ?? [];
    if (errors.length === 0) return 'no error';
    if (errors.some((e) => e.extensions?.code !== 'SERVICE_UNAVAILABLE' || e.extensions.service !== 'driver'))
      return `other error: ${errors[0]?.message.slice(0, 60)}`;
    const covered = new Set(errors.flatMap((e) => (e.path?.[0] === 'rides' ? [e.path[1]] : [])));
    detail.minErrors = Math.min(detail.minErrors, errors.length);
    detail.maxErrors = Math.max(detail.maxErrors, errors.length);
    detail.minRidesWithError = Math.min(detail.minRidesWithError, covered.size);
    return undefined;
  };
  return { check, detail };
}
