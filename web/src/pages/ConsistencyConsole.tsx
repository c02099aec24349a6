import { useMutation, useSubscription } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ErrorNotice } from '../errors.tsx';
import type { ReplicationStatusUpdatedSubscription } from '../graphql/graphql.ts';
import { graphql } from '../graphql/index.ts';
import { ParkedEvents } from './ParkedEvents.tsx';

const ReplicationStatusSubscription = graphql(`
  subscription ReplicationStatusUpdated {
    replicationStatusUpdated {
      id
      productName {
        ...CopyStatusFields
      }
      driverName {
        ...CopyStatusFields
      }
    }
  }
  fragment CopyStatusFields on CopyStatus {
    copy
    windowSeconds
    eventsApplied
    lagP50Ms
    lagP99Ms
    queueDepth
    parkedEvents
    lastReconciliation {
      startedAt
      finishedAt
      checked
      repaired
      error
    }
  }
`);

const ReconcileProductNamesMutation = graphql(`
  mutation ReconcileProductNames {
    reconcileProductNames {
      checked
      repaired
      error
    }
  }
`);

const ReconcileDriverNamesMutation = graphql(`
  mutation ReconcileDriverNames {
    reconcileDriverNames {
      checked
      repaired
      error
    }
  }
`);

interface Sample {
  at: string;
  [series: string]: number | string | null;
}

/** The gateway's subgraph report is plain HTTP, outside GraphQL and its subscriptions: it is polled. */
const CIRCUITS_POLL_MS = 2_000;
const KEEP = 60;

type Status = ReplicationStatusUpdatedSubscription['replicationStatusUpdated'];
const copiesOf = (status: Status | undefined) =>
  [status?.productName, status?.driverName].filter((copy): copy is NonNullable<typeof copy> => Boolean(copy));

/**
 * Every copy's freshness as its keeper reports it (lag percentiles, backlog, parked events, the
 * last repair), pushed by the gateway (`replicationStatusUpdated`: at once, then after the events
 * the copies apply, at most once a second) and charted one sample per push; parked events with
 * replay; the gateway's circuit per subgraph (polled); repairs on demand.
 */
export function ConsistencyConsole({ gatewayUrl }: { gatewayUrl: string }) {
  const [samples, setSamples] = useState<Sample[]>([]);
  const status = useSubscription(ReplicationStatusSubscription, {
    // A copy's keeper down: the others' figures stand, with an error for its path.
    errorPolicy: 'all',
    onData: ({ data }) => {
      const pushed = copiesOf(data.data?.replicationStatusUpdated);
      if (pushed.length === 0) return;
      const sample: Sample = { at: new Date().toLocaleTimeString() };
      for (const copy of pushed) {
        sample[`${copy.copy} p50`] = copy.lagP50Ms ?? null;
        sample[`${copy.copy} p99`] = copy.lagP99Ms ?? null;
        sample[`${copy.copy} queue`] = copy.queueDepth;
        sample[`${copy.copy} parked`] = copy.parkedEvents;
      }
      setSamples((list) => [...list.slice(-(KEEP - 1)), sample]);
    },
  });
  const [reconcileProducts, products] = useMutation(ReconcileProductNamesMutation);
  const [reconcileDrivers, drivers] = useMutation(ReconcileDriverNamesMutation);
  const circuits = useCircuits(gatewayUrl);

  const copies = copiesOf(status.data?.replicationStatusUpdated);
  const names = copies.map((copy) => copy.copy);
  // A repair or a replay reaches no queue of the gateway: subscribing again reads the status now.
  const reconciled = () => status.restart();
  return (
    <>
      <ErrorNotice error={status.error} onRetry={() => status.restart()} />
      <table>
        <caption>Copies (pushed as events are applied, at most once a second)</caption>
        <thead>
          <tr>
            <th scope="col">Copy</th>
            <th scope="col">Events applied</th>
            <th scope="col">Lag p50</th>
            <th scope="col">Lag p99</th>
            <th scope="col">Queue depth</th>
            <th scope="col">Parked events</th>
            <th scope="col">Last reconciliation</th>
          </tr>
        </thead>
        <tbody>
          {copies.map((copy) => (
            <tr key={copy.copy}>
              <th scope="row">{copy.copy}</th>
              <td>
                {copy.eventsApplied} <span className="muted">in {copy.windowSeconds} s</span>
              </td>
              <td>{ms(copy.lagP50Ms)}</td>
              <td>{ms(copy.lagP99Ms)}</td>
              <td>{copy.queueDepth}</td>
              <td className={copy.parkedEvents > 0 ? 'stale' : undefined}>
                {copy.parkedEvents}
                {copy.parkedEvents > 0 && (
                  <>
                    {' '}
                    <span className="muted">(see Parked events below)</span>
                  </>
                )}
              </td>
              <td>
                {copy.lastReconciliation
                  ? `${copy.lastReconciliation.repaired} repaired of ${copy.lastReconciliation.checked} checked` +
                    (copy.lastReconciliation.error ? `, failed: ${copy.lastReconciliation.error}` : '')
                  : 'none yet'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button
          type="button"
          onClick={() =>
            void reconcileProducts()
              .then(reconciled)
              .catch(() => {})
          }
          disabled={products.loading}
        >
          Reconcile product names now
        </button>
        <button
          type="button"
          onClick={() =>
            void reconcileDrivers()
              .then(reconciled)
              .catch(() => {})
          }
          disabled={drivers.loading}
        >
          Reconcile driver names now
        </button>
        {products.data && (
          <p role="status">
            Product names: {products.data.reconcileProductNames.repaired} repaired of{' '}
            {products.data.reconcileProductNames.checked}.
          </p>
        )}
        {drivers.data && (
          <p role="status">
            Driver names: {drivers.data.reconcileDriverNames.repaired} repaired of{' '}
            {drivers.data.reconcileDriverNames.checked}.
          </p>
        )}
      </div>
      <ErrorNotice error={products.error ?? drivers.error} />
      <div className="charts">
        <Chart
          title="Propagation lag (ms)"
          samples={samples}
          series={names.flatMap((n) => [`${n} p50`, `${n} p99`])}
        />
        <Chart
          title="Queue depth and parked events"
          samples={samples}
          series={names.flatMap((n) => [`${n} queue`, `${n} parked`])}
        />
      </div>
      <ParkedEvents
        parkedInCopies={copies.reduce((sum, copy) => sum + copy.parkedEvents, 0)}
        onReplayed={reconciled}
      />
      <Circuits circuits={circuits} />
    </>
  );
}

const colors = ['#1b6ac9', '#c93b1b', '#2e8b57', '#8a4fbf'];

function Chart({ title, samples, series }: { title: string; samples: Sample[]; series: string[] }) {
  return (
    <figure>
      <figcaption>{title}</figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={samples} accessibilityLayer>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="at" minTickGap={40} />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          {series.map((name, index) => (
            <Line
              key={name}
              dataKey={name}
              stroke={colors[index % colors.length]}
              dot={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

type CircuitReport = { subgraphs: Record<string, { status: string; circuit: string }> } | { error: string };

/** The gateway's own report on its subgraphs (GET /subgraphs, served outside production). */
function useCircuits(gatewayUrl: string): CircuitReport | undefined {
  const [report, setReport] = useState<CircuitReport>();
  useEffect(() => {
    const url = new URL('/subgraphs', gatewayUrl).toString();
    let stopped = false;
    const poll = async () => {
      try {
        const response = await fetch(url);
        if (!stopped)
          setReport(
            response.ok ? ((await response.json()) as CircuitReport) : { error: `HTTP ${response.status}` },
          );
      } catch (error) {
        if (!stopped) setReport({ error: (error as Error).message });
      }
    };
    void poll();
    const timer = setInterval(poll, CIRCUITS_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [gatewayUrl]);
  return report;
}

function Circuits({ circuits }: { circuits: CircuitReport | undefined }) {
  if (!circuits) return null;
  if ('error' in circuits)
    return <p role="status">The gateway's subgraph report is not available here ({circuits.error}).</p>;
  return (
    <table>
      <caption>Circuits in the gateway, per subgraph</caption>
      <thead>
        <tr>
          <th scope="col">Subgraph</th>
          <th scope="col">Circuit</th>
          <th scope="col">Health check</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(circuits.subgraphs).map(([name, entry]) => (
          <tr
            key={name}
            className={entry.circuit !== 'closed' || entry.status !== 'ok' ? 'stale' : undefined}
          >
            <th scope="row">{name}</th>
            <td>{entry.circuit}</td>
            <td>{entry.status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${value.toFixed(0)} ms`;
}
