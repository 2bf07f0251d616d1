// /dashboard — find a customer by name, e-mail or external id; /dashboard?q=… is deep-linkable.
import { useId, useState } from "react";
import { Link, useSearchParams } from "wouter";
import { DashboardCustomerSearchDocument } from "../../../src/client/generated/graphql";
import { useOperation } from "../api";
import { ErrorMessage } from "../error-message";

export function StartPage() {
  const [params, setParams] = useSearchParams();
  const search = params.get("q")?.trim() ?? "";
  const [draft, setDraft] = useState(search);
  const id = useId();
  const result = useOperation(DashboardCustomerSearchDocument, { search, first: 20 }, { skip: !search });
  const edges = result.data?.customers.edges ?? [];

  return (
    <>
      <h1>Customers</h1>
      <search>
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            setParams(draft.trim() ? { q: draft.trim() } : {});
          }}
        >
          <label htmlFor={id}>Name, e-mail or external id</label>
          <input id={id} type="search" value={draft} onChange={(event) => setDraft(event.target.value)} />
          <button type="submit">Search</button>
        </form>
      </search>
      {!search ? (
        <p className="hint">
          Or go to <Link href="/due">who is due soon</Link> or <Link href="/health">model health</Link>.
        </p>
      ) : result.error ? (
        <ErrorMessage error={result.error} />
      ) : result.loading ? (
        <p aria-busy="true">Searching…</p>
      ) : edges.length === 0 ? (
        <p>No customer’s name, e-mail or external id contains “{search}”.</p>
      ) : (
        <>
          <ul className="results" aria-label="Matching customers">
            {edges.map(({ node }) => (
              <li key={node.id}>
                <Link href={`/customers/${encodeURIComponent(node.id)}`}>{node.name}</Link>{" "}
                <span className="muted">
                  external id {node.externalId}
                  {node.email ? ` · ${node.email}` : ""}
                </span>
              </li>
            ))}
          </ul>
          {result.data?.customers.pageInfo.hasNextPage ? (
            <p className="hint">The first 20 matches; type more of the name to narrow them down.</p>
          ) : null}
        </>
      )}
    </>
  );
}
