// /dashboard/customers/:id — a customer's rhythm at a glance: the timeline per category, then the
// same in words (next day, window, the probability of buying within 7 days, status, why, usual
// products), and "Refresh now".
import { useMemo, useState } from "react";
import { Link } from "wouter";
import {
  DashboardCustomerDocument,
  type DashboardPredictionFragment,
  DashboardRefreshCustomerDocument,
} from "../../../src/client/generated/graphql";
import { ApiError, explainError, request, useOperation } from "../api";
import { getApiKey } from "../api-key";
import { ErrorMessage } from "../error-message";
import { dueText, formatDay, formatMoment, formatShare, formatWindow } from "../format";
import { KeyForm } from "../key-form";
import { PROBABILITY_DAYS_SHOWN, Probability, probabilityHeading } from "../probability";
import { ScrollRegion } from "../scroll-region";
import { TimelineChart } from "../timeline-chart";
import { purchaseDays } from "../timeline-data";

export function CustomerPage({ id }: { id: string }) {
  const customer = useOperation(DashboardCustomerDocument, { id });
  // Predictions from "Refresh now" replace the loaded ones until the page loads again.
  const [refreshed, setRefreshed] = useState<DashboardPredictionFragment[]>();
  const data = customer.data?.customer;
  const predictions = refreshed ?? data?.predictions ?? [];
  const categories = useMemo(() => new Set(predictions.map((p) => p.category)), [predictions]);
  const days = useMemo(() => purchaseDays(data?.purchases ?? [], categories), [data, categories]);

  if (customer.error) {
    return (
      <>
        <h1>Customer {id}</h1>
        <ErrorMessage error={customer.error} />
        <p>
          <Link href="/">Search for a customer</Link>
        </p>
      </>
    );
  }
  if (!data) return <p aria-busy="true">Loading customer {id}…</p>;

  const generatedAt = predictions
    .map((p) => p.generatedAt)
    .sort()
    .at(-1);
  return (
    <>
      <h1>{data.name}</h1>
      <p className="subtitle">
        Customer {data.id} · external id <code>{data.externalId}</code>
        {data.email ? ` · ${data.email}` : ""}
      </p>
      <RefreshNow
        customerId={data.id}
        generatedAt={generatedAt}
        model={predictions[0]?.model}
        onRefreshed={setRefreshed}
      />
      {predictions.length === 0 ? (
        <p>
          No predictions: this customer has not bought any category on two or more days among their last 20
          purchases.
        </p>
      ) : (
        <>
          <h2>Timeline</h2>
          <TimelineChart predictions={predictions} purchases={days} />
          <h2>Next purchases</h2>
          <PredictionTable predictions={predictions} />
        </>
      )}
    </>
  );
}

function PredictionTable({ predictions }: { predictions: readonly DashboardPredictionFragment[] }) {
  const heading = probabilityHeading(PROBABILITY_DAYS_SHOWN);
  return (
    <ScrollRegion label="Next purchases per category">
      <table className="stack-on-phone">
        <thead>
          <tr>
            <th scope="col">Category</th>
            <th scope="col">Predicted day</th>
            <th scope="col">80 % window</th>
            <th scope="col">{heading}</th>
            <th scope="col">Status</th>
            <th scope="col">Why</th>
            <th scope="col">Usual products</th>
          </tr>
        </thead>
        <tbody>
          {predictions.map((p) => (
            <tr key={p.category} className={p.overdue ? "overdue" : undefined}>
              <th scope="row" data-label="Category">
                {p.category}
              </th>
              <td data-label="Predicted day">{formatDay(p.nextPurchaseAt)}</td>
              <td data-label="80 % window">{formatWindow(p.windowStart, p.windowEnd)}</td>
              <td data-label={heading}>
                <Probability value={p.probabilityWithin7} days={PROBABILITY_DAYS_SHOWN} />
              </td>
              <td data-label="Status">
                <span className={p.overdue ? "badge overdue" : "badge"}>{dueText(p)}</span>
              </td>
              <td data-label="Why">{p.reason}</td>
              <td data-label="Usual products">
                {p.usualProducts.length === 0
                  ? "—"
                  : p.usualProducts.map((u) => `${u.name} (${formatShare(u.share)})`).join(", ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/** Recomputes the customer's predictions now (ADMIN key), asking for the key the first time. */
function RefreshNow({
  customerId,
  generatedAt,
  model,
  onRefreshed,
}: {
  customerId: string;
  generatedAt: string | undefined;
  model: string | undefined;
  onRefreshed: (predictions: DashboardPredictionFragment[]) => void;
}) {
  const [askingForKey, setAskingForKey] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();

  async function refresh() {
    if (!getApiKey()) {
      setAskingForKey(true);
      return;
    }
    setBusy(true);
    setProblem(undefined);
    setDone(undefined);
    try {
      const data = await request(DashboardRefreshCustomerDocument, { customerId });
      onRefreshed(data.refreshCustomerPredictions);
      setAskingForKey(false);
      setDone(`Refreshed: ${data.refreshCustomerPredictions.length} predictions recomputed.`);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(String(error));
      setProblem(
        apiError.code === "UNAUTHENTICATED"
          ? "That key was refused: it is not a valid API key for this server. Enter an ADMIN key."
          : apiError.code === "FORBIDDEN"
            ? "This key may read but not refresh: “Refresh now” needs an ADMIN key. Enter an admin key."
            : explainError(apiError),
      );
      if (apiError.code === "UNAUTHENTICATED" || apiError.code === "FORBIDDEN") setAskingForKey(true);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="refresh" aria-label="Freshness">
      <p>
        Predictions made{" "}
        {generatedAt ? (
          <time className="generated-at" dateTime={generatedAt}>
            {formatMoment(generatedAt)}
          </time>
        ) : (
          "—"
        )}
        {model ? ` by ${model}` : ""}.{" "}
        <button type="button" onClick={refresh} disabled={busy}>
          {busy ? "Refreshing…" : "Refresh now"}
        </button>
      </p>
      {askingForKey ? (
        <div className="key-prompt">
          <p>Refreshing needs an ADMIN key. It is kept for this browser tab only.</p>
          <KeyForm submitLabel="Save key and refresh" onSaved={refresh} />
        </div>
      ) : null}
      <div aria-live="polite">
        {problem ? (
          <p className="error" role="alert">
            {problem}
          </p>
        ) : null}
        {done ? <p className="success">{done}</p> : null}
      </div>
    </section>
  );
}
