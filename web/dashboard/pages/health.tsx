// /dashboard/health — does the model earn its keep? Live accuracy per source, what Claude costs this
// month against its budget, and the latest batch refreshes. Every part needs an ADMIN key.
import { useId, useMemo, useState } from "react";
import { DashboardHealthDocument, type DashboardHealthQuery } from "../../../src/client/generated/graphql";
import { useOperation } from "../api";
import { ErrorMessage } from "../error-message";
import { DAY_MS, formatCount, formatMoment, formatShare, formatUsd } from "../format";
import { ScrollRegion } from "../scroll-region";

const PERIODS = [7, 30, 90, 365];

export function HealthPage() {
  const [days, setDays] = useState(30);
  const periodId = useId();
  // Midnight-aligned so the variables (and the request) stay the same while the page is open.
  const since = useMemo(
    () => new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - days * DAY_MS).toISOString(),
    [days],
  );
  const health = useOperation(DashboardHealthDocument, { since, runs: 10 });

  return (
    <>
      <h1>Model health</h1>
      <form className="inline-form" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor={periodId}>Accuracy over the last</label>
        <select id={periodId} value={days} onChange={(event) => setDays(Number(event.target.value))}>
          {PERIODS.map((n) => (
            <option key={n} value={n}>
              {n} days
            </option>
          ))}
        </select>
      </form>
      {health.error ? (
        <ErrorMessage error={health.error} />
      ) : !health.data ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <>
          <Accuracy rows={health.data.predictionAccuracy} />
          <AiBudget usage={health.data.aiUsage} />
          <BatchRuns runs={health.data.batchRuns} />
        </>
      )}
    </>
  );
}

function Accuracy({ rows }: { rows: DashboardHealthQuery["predictionAccuracy"] }) {
  return (
    <section aria-labelledby="accuracy-heading">
      <h2 id="accuracy-heading">Live accuracy</h2>
      {rows.length === 0 ? (
        <p>No prediction in this period has been fulfilled by a purchase yet.</p>
      ) : (
        <table className="stack-on-phone">
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Fulfilled predictions</th>
              <th scope="col">Mean error</th>
              <th scope="col">Inside the 80 % window</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.source}>
                <th scope="row" data-label="Source">
                  {row.source}
                </th>
                <td data-label="Fulfilled predictions">{formatCount(row.fulfilled)}</td>
                <td data-label="Mean error">{row.meanAbsoluteErrorDays.toFixed(1)} days</td>
                <td data-label="Inside the 80 % window">
                  {formatShare(row.windowCoverage)}
                  {/* A calibrated window holds 80 %; far from it, the window is too wide or too narrow. */}
                  <span className="muted"> (target 80 %)</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AiBudget({ usage }: { usage: DashboardHealthQuery["aiUsage"] }) {
  const used = usage.budgetUsd > 0 ? Math.min(1, usage.costUsd / usage.budgetUsd) : 0;
  return (
    <section aria-labelledby="ai-heading">
      <h2 id="ai-heading">AI budget, {usage.month}</h2>
      <p>
        Analyzer in use: <strong>{usage.analyzer}</strong>
        {usage.model ? ` (${usage.model})` : ""}.
      </p>
      <p className="budget">
        <meter
          min={0}
          max={1}
          low={0.7}
          high={0.9}
          optimum={0}
          value={used}
          aria-label="Share of the budget spent"
        />
        <span>
          {formatUsd(usage.costUsd)} of {formatUsd(usage.budgetUsd)} spent ({formatShare(used)}),{" "}
          {formatUsd(usage.budgetLeftUsd)} left.
        </span>
      </p>
      <dl className="figures">
        <dt>Calls</dt>
        <dd>{formatCount(usage.calls)}</dd>
        <dt>Failed calls</dt>
        <dd>{formatCount(usage.failedCalls)}</dd>
        <dt>Input tokens</dt>
        <dd>{formatCount(usage.inputTokens)}</dd>
        <dt>Output tokens</dt>
        <dd>{formatCount(usage.outputTokens)}</dd>
      </dl>
      {usage.fallbacks.length > 0 ? (
        <>
          <h3>Statistics stood in for Claude</h3>
          <ul>
            {usage.fallbacks.map((f) => (
              <li key={f.reason}>
                {f.reason}: {formatCount(f.count)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function BatchRuns({ runs }: { runs: DashboardHealthQuery["batchRuns"] }) {
  return (
    <section aria-labelledby="runs-heading">
      <h2 id="runs-heading">Recent batch refreshes</h2>
      {runs.length === 0 ? (
        <p>
          No batch refresh has run yet (<code>npm run refresh</code>, <code>REFRESH_CRON</code> or the
          refreshAllPredictions mutation start one).
        </p>
      ) : (
        <ScrollRegion label="Recent batch refreshes">
          <table className="stack-on-phone">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Started by</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
                <th scope="col">Customers</th>
                <th scope="col">Failed</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id}>
                  <th scope="row" data-label="Run">
                    {run.id}
                  </th>
                  <td data-label="Status">
                    <span className={`badge ${run.status.toLowerCase()}`}>{run.status.toLowerCase()}</span>
                    {run.status === "RUNNING" ? ` ${formatShare(run.progress)}` : ""}
                    {/* Why a run failed or ended partial (a chunk that kept failing), in words. */}
                    {run.error ? <div className="run-error">{run.error}</div> : null}
                  </td>
                  <td data-label="Started by">{run.trigger.toLowerCase()}</td>
                  <td data-label="Started">{formatMoment(run.startedAt)}</td>
                  <td data-label="Finished">{run.finishedAt ? formatMoment(run.finishedAt) : "—"}</td>
                  <td data-label="Customers">
                    {formatCount(run.processed)} / {formatCount(run.total)}
                  </td>
                  <td data-label="Failed">{formatCount(run.failed)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}
