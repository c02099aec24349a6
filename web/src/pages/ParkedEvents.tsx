import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useRef } from 'react';
import { ErrorNotice } from '../errors.tsx';
import { graphql } from '../graphql/index.ts';

const ParkedEventsQuery = graphql(`
  query ParkedEvents {
    parkedEvents(first: 20) {
      queue
      event
      subscriber
      count
      events {
        id
        eventId
        aggregateId
        version
        reason
        attempts
        parkedAt
      }
    }
  }
`);

const ReplayParkedEventsMutation = graphql(`
  mutation ReplayParkedEvents($queue: String!, $id: ID) {
    replayParkedEvents(queue: $queue, id: $id) {
      queue
      replayed {
        id
        eventId
      }
    }
  }
`);

/**
 * Queues that no copy reports (the order flow's reactions, the gateway's own) are not in the push:
 * their parked events show with this poll.
 */
const POLL_MS = 15_000;

/**
 * Events parked in the dead-letter queue, per consumer queue, each with the error that parked it;
 * replayed one at a time or a whole queue at once, once the cause is fixed. Read again at once when
 * the copies' pushed parked counts (`parkedInCopies`) change, else every 15 s.
 */
export function ParkedEvents({
  parkedInCopies,
  onReplayed,
}: {
  parkedInCopies: number;
  onReplayed: () => void;
}) {
  const parked = useQuery(ParkedEventsQuery, { pollInterval: POLL_MS, errorPolicy: 'all' });
  const counted = useRef(parkedInCopies);
  const { refetch } = parked;
  useEffect(() => {
    if (counted.current !== parkedInCopies) void refetch();
    counted.current = parkedInCopies;
  }, [parkedInCopies, refetch]);
  const [replay, replayed] = useMutation(ReplayParkedEventsMutation);
  const queues = parked.data?.parkedEvents ?? [];
  const run = (queue: string, id?: string) =>
    void replay({ variables: { queue, id: id ?? null } })
      .then(() => {
        onReplayed();
        return parked.refetch();
      })
      .catch(() => {}); // shown by ErrorNotice from the mutation's state

  const result = replayed.data?.replayParkedEvents;
  return (
    <section aria-labelledby="parked-events">
      <h2 id="parked-events">Parked events</h2>
      <p>
        Events a consumer could not apply after every retry, or could not read, wait here with their error.
        Fix the cause, then replay them into their queue; the consumer's inbox drops any it had applied.
      </p>
      <ErrorNotice error={parked.error} onRetry={() => void parked.refetch()} />
      {result && (
        <p role="status">
          Replayed {result.replayed.length} event{result.replayed.length === 1 ? '' : 's'} into {result.queue}
          .
        </p>
      )}
      <ErrorNotice error={replayed.error} />
      {parked.data && queues.length === 0 && <p>No parked events.</p>}
      {queues.map((queue) => (
        <div key={queue.queue} className="parked-queue">
          <table>
            <caption>
              Parked from {queue.queue}: {queue.count} ({queue.event} for {queue.subscriber})
              {queue.count > queue.events.length && `, the oldest ${queue.events.length} shown`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">About</th>
                <th scope="col">Reason</th>
                <th scope="col">Attempts</th>
                <th scope="col">Parked at</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {queue.events.map((entry) => (
                <tr key={entry.id} data-testid="parked-event">
                  <th scope="row">
                    <code>{entry.eventId ?? entry.id}</code>
                  </th>
                  <td>
                    {entry.aggregateId ?? 'unreadable'}
                    {entry.version !== null && entry.version !== undefined && ` v${entry.version}`}
                  </td>
                  <td>{entry.reason}</td>
                  <td>{entry.attempts}</td>
                  <td>{new Date(entry.parkedAt).toLocaleString()}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => run(queue.queue, entry.id)}
                      disabled={replayed.loading}
                      aria-label={`Replay event ${entry.eventId ?? entry.id}`}
                    >
                      Replay
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" onClick={() => run(queue.queue)} disabled={replayed.loading}>
            Replay all {queue.count} parked from {queue.queue}
          </button>
        </div>
      ))}
    </section>
  );
}
