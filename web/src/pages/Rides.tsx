import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { useQuery } from '@apollo/client/react';
import type { GraphQLFormattedError } from 'graphql';
import { describeError, ErrorNotice } from '../errors.tsx';
import { graphql } from '../graphql/index.ts';

const RidesWithDriversQuery = graphql(`
  query RidesWithDrivers {
    rides(first: 10) {
      id
      pickup
      dropoff
      status
      requestedAt
      driverName
      ... @defer(label: "driverDetails") {
        driver {
          id
          rating
          ratingCount
          car {
            make
            model
            color
            plate
          }
        }
      }
    }
  }
`);

/**
 * The hybrid: `driverName` from the ride's own row, always there; `driver { rating car }` live from
 * the driver service, deferred: the gateway sends the rides at once and the details when the driver
 * service answers. When that service is down the details part carries `driver: null` and a
 * SERVICE_UNAVAILABLE error per ride, and the page says so, the local fields already shown.
 */
export function Rides() {
  const { data, error, refetch } = useQuery(RidesWithDriversQuery, {
    pollInterval: 5_000,
    errorPolicy: 'all',
  });
  const unavailable = (CombinedGraphQLErrors.is(error) ? error.errors : []).filter(
    (entry) => entry.extensions?.code === 'SERVICE_UNAVAILABLE',
  );
  const degraded = unavailable.length > 0;
  const otherErrors = error && !degraded && !data ? error : undefined;
  return (
    <>
      <p>
        The driver's name is kept on each ride (copied when it was requested, kept fresh by DriverUpdated
        events); rating and car come live from the driver service.
      </p>
      {degraded && (
        <div role="status" className="degraded" data-testid="degraded">
          <p>
            Driver details are unavailable right now: {describeError(unavailable[0] as GraphQLFormattedError)}
            . The rides and their drivers' names below come from the ride service's own data.
          </p>
          <button type="button" onClick={() => void refetch()}>
            Retry
          </button>
        </div>
      )}
      <ErrorNotice error={otherErrors} onRetry={() => void refetch()} />
      {data?.rides.length === 0 && <p>No rides yet.</p>}
      {data && data.rides.length > 0 && (
        <table>
          <caption>Your rides</caption>
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Status</th>
              <th scope="col">Driver (local copy)</th>
              <th scope="col">Rating (live)</th>
              <th scope="col">Car (live)</th>
            </tr>
          </thead>
          <tbody>
            {data.rides.map((ride) => (
              <tr key={ride.id}>
                <td>{ride.pickup}</td>
                <td>{ride.dropoff}</td>
                <td>{ride.status}</td>
                <td data-testid="driver-name">{ride.driverName}</td>
                <td data-testid="driver-rating">
                  {ride.driver === undefined
                    ? 'loading…'
                    : ride.driver
                      ? `${ride.driver.rating.toFixed(1)} (${ride.driver.ratingCount})`
                      : 'unavailable'}
                </td>
                <td>
                  {ride.driver === undefined
                    ? 'loading…'
                    : ride.driver
                      ? `${ride.driver.car.color} ${ride.driver.car.make} ${ride.driver.car.model}, ${ride.driver.car.plate}`
                      : 'unavailable'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
