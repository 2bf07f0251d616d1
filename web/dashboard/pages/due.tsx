// /dashboard/due?category=…&withinDays=… — marketing's audience: the customers customersDue ranks by
// their probability of buying the category within the days asked, 20 a page, and the whole audience
// as CSV.
import { useId, useState } from "react";
import { Link, useSearchParams } from "wouter";
import {
  CategoriesDocument,
  DashboardDueDocument,
  type DashboardDueQuery,
} from "../../../src/client/generated/graphql";
import { ApiError, explainError, request, useOperation } from "../api";
import { toCsv } from "../csv";
import { ErrorMessage } from "../error-message";
import { dueText, formatDay, formatWindow } from "../format";
import { Probability, probabilityHeading, rankingCaption } from "../probability";
import { ScrollRegion } from "../scroll-region";

const PAGE_SIZE = 20;
/** The export asks 100 at a time and stops here: a bigger audience belongs in a batch job. */
const MAX_EXPORT_ROWS = 10_000;
const DEFAULT_WITHIN_DAYS = 7;
/** customersDue's range of days (Prediction.probability's). */
const MAX_WITHIN_DAYS = 365;

type DueEdge = DashboardDueQuery["customersDue"]["edges"][number];

function parseWithinDays(value: string | null): number {
  const days = Number(value);
  return value !== null && /^\d{1,3}$/.test(value) && days >= 1 && days <= MAX_WITHIN_DAYS
    ? days
    : DEFAULT_WITHIN_DAYS;
}

export function DuePage() {
  const [params, setParams] = useSearchParams();
  const category = params.get("category")?.trim() ?? "";
  const withinDays = parseWithinDays(params.get("withinDays"));
  return (
    <>
      <h1>Due soon</h1>
      <DueForm
        key={`${category}|${withinDays}`}
        category={category}
        withinDays={withinDays}
        onSubmit={(next) => setParams({ category: next.category, withinDays: String(next.withinDays) })}
      />
      {category ? (
        <Audience key={`${category}|${withinDays}`} category={category} withinDays={withinDays} />
      ) : (
        <p className="hint">Pick a category to see who will need it soon.</p>
      )}
    </>
  );
}

function DueForm({
  category,
  withinDays,
  onSubmit,
}: {
  category: string;
  withinDays: number;
  onSubmit: (value: { category: string; withinDays: number }) => void;
}) {
  const categories = useOperation(CategoriesDocument, {});
  const [draftCategory, setDraftCategory] = useState(category);
  const [draftDays, setDraftDays] = useState(String(withinDays));
  const ids = { category: useId(), days: useId(), list: useId() };
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit({ category: draftCategory.trim(), withinDays: parseWithinDays(draftDays) });
      }}
    >
      <label htmlFor={ids.category}>Category</label>
      <input
        id={ids.category}
        list={ids.list}
        required
        value={draftCategory}
        onChange={(event) => setDraftCategory(event.target.value)}
      />
      <datalist id={ids.list}>
        {categories.data?.categories.map((c) => (
          <option key={c.name} value={c.name} />
        ))}
      </datalist>
      <label htmlFor={ids.days}>Within days</label>
      <input
        id={ids.days}
        type="number"
        min={1}
        max={MAX_WITHIN_DAYS}
        required
        value={draftDays}
        onChange={(event) => setDraftDays(event.target.value)}
      />
      <button type="submit">Show audience</button>
    </form>
  );
}

function Audience({ category, withinDays }: { category: string; withinDays: number }) {
  // The cursors of the pages before this one: "Previous" pops, "Next" pushes.
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const after = cursors.at(-1) ?? null;
  const page = useOperation(DashboardDueDocument, { category, withinDays, first: PAGE_SIZE, after });
  const edges = page.data?.customersDue.edges ?? [];
  const pageInfo = page.data?.customersDue.pageInfo;
  const offset = (cursors.length - 1) * PAGE_SIZE;
  const heading = probabilityHeading(withinDays);

  if (page.error) return <ErrorMessage error={page.error} />;
  if (!page.data) return <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="audience-heading">
      <h2 id="audience-heading">
        {category}: who will buy within {withinDays} {withinDays === 1 ? "day" : "days"}
      </h2>
      {edges.length === 0 && cursors.length === 1 ? (
        <p>
          Nobody: no customer has a stored prediction for “{category}”. Predictions are stored when customers
          are read or by the daily refresh (<code>npm run refresh</code>).
        </p>
      ) : (
        <>
          <p className="hint">{rankingCaption(withinDays)}</p>
          <CsvExport category={category} withinDays={withinDays} />
          <ScrollRegion label="Audience">
            <table className="stack-on-phone due-list">
              <thead>
                <tr>
                  <th scope="col">Rank</th>
                  <th scope="col">Customer</th>
                  <th scope="col">External id</th>
                  <th scope="col">{heading}</th>
                  <th scope="col">Predicted day</th>
                  <th scope="col">80 % window</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {edges.map(({ node }, index) => (
                  <tr key={node.customer.id}>
                    <td data-label="Rank">{offset + index + 1}</td>
                    <th scope="row" data-label="Customer">
                      <Link href={`/customers/${encodeURIComponent(node.customer.id)}`}>
                        {node.customer.name}
                      </Link>
                    </th>
                    <td data-label="External id">{node.customer.externalId}</td>
                    <td data-label={heading}>
                      <Probability value={node.prediction.probability} days={withinDays} />
                    </td>
                    <td data-label="Predicted day">{formatDay(node.prediction.nextPurchaseAt)}</td>
                    <td data-label="80 % window">
                      {formatWindow(node.prediction.windowStart, node.prediction.windowEnd)}
                    </td>
                    <td data-label="Status">
                      <span className={node.prediction.overdue ? "badge overdue" : "badge"}>
                        {dueText(node.prediction)}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          <nav className="pager" aria-label="Pages">
            <button
              type="button"
              disabled={cursors.length === 1 || page.loading}
              onClick={() => setCursors((stack) => stack.slice(0, -1))}
            >
              Previous page
            </button>
            <span>
              {edges.length === 0 ? "No more customers" : `Customers ${offset + 1}–${offset + edges.length}`}
            </span>
            <button
              type="button"
              disabled={!pageInfo?.hasNextPage || page.loading}
              onClick={() => setCursors((stack) => [...stack, pageInfo?.endCursor ?? null])}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

/** Downloads the whole audience (every page, 100 at a time) as a CSV file. */
function CsvExport({ category, withinDays }: { category: string; withinDays: number }) {
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function exportAll() {
    setBusy(true);
    const edges: DueEdge[] = [];
    try {
      let after: string | null = null;
      let more = true;
      while (more && edges.length < MAX_EXPORT_ROWS) {
        const data: DashboardDueQuery = await request(DashboardDueDocument, {
          category,
          withinDays,
          first: 100,
          after,
        });
        edges.push(...data.customersDue.edges);
        more = data.customersDue.pageInfo.hasNextPage;
        after = data.customersDue.pageInfo.endCursor ?? null;
        setStatus(`Exporting… ${edges.length} customers so far.`);
      }
      const csv = toCsv(
        [
          "rank",
          "customerId",
          "externalId",
          "name",
          "category",
          `probabilityWithin${withinDays}Days`,
          "nextPurchaseAt",
          "windowStart",
          "windowEnd",
          "overdue",
          "reason",
        ],
        edges.map(({ node }, index) => [
          index + 1,
          node.customer.id,
          node.customer.externalId,
          node.customer.name,
          node.prediction.category,
          node.prediction.probability,
          node.prediction.nextPurchaseAt,
          node.prediction.windowStart,
          node.prediction.windowEnd,
          node.prediction.overdue,
          node.prediction.reason,
        ]),
      );
      download(csv, `due-${slug(category)}-within-${withinDays}-days.csv`);
      setStatus(
        `Exported ${edges.length} customers.` +
          (more ? ` The export stops at ${MAX_EXPORT_ROWS.toLocaleString("en-US")}; more are due.` : ""),
      );
    } catch (error) {
      setStatus(
        `Export failed: ${explainError(error instanceof ApiError ? error : new ApiError(String(error)))}`,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <p className="export">
      <button type="button" onClick={exportAll} disabled={busy}>
        Export all as CSV
      </button>{" "}
      <span aria-live="polite">{status}</span>
    </p>
  );
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "category"
  );
}

function download(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // After the click has handed the file to the browser.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
