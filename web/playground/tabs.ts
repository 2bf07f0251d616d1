// What the playground opens with: the README's example operations as saved tabs, each with the
// headers editor prefilled. Plain data (no DOM), so test/web/playground-tabs.test.ts validates every
// operation against the schema.

/** Shown in the headers editor until replaced; the fetcher does not send it (see fetcher.ts). */
export const AUTHORIZATION_PLACEHOLDER = "Bearer <key>";

export const DEFAULT_HEADERS = JSON.stringify({ Authorization: AUTHORIZATION_PLACEHOLDER }, null, 2);

export interface PlaygroundTab {
  query: string;
  variables: string;
  headers: string;
}

const tab = (query: string, variables: Record<string, unknown>): PlaygroundTab => ({
  query,
  variables: JSON.stringify(variables, null, 2),
  headers: DEFAULT_HEADERS,
});

export const PLAYGROUND_TABS: PlaygroundTab[] = [
  tab(
    `# When will customer 1 next need each category?
# Computed on the first ask, then cached. Anonymous
# reads work outside production; in production,
# put a key in the headers below.
query CustomerPredictions($id: ID!, $withinDays: Int) {
  customer(id: $id) {
    name
    predictions(withinDays: $withinDays) {
      category
      nextPurchaseAt
      windowStart
      windowEnd
      confidence
      probabilityWithin7: probability(withinDays: 7)
      overdue
      reason
      usualProducts {
        name
      }
    }
  }
}
`,
    { id: "1", withinDays: 7 },
  ),
  tab(
    `# Marketing: who will buy milk in the next 3 days?
# Most likely first (the category in any case);
# pass endCursor as $after.
query CustomersDue($category: String!, $withinDays: Int!, $minProbability: Float, $after: String) {
  customersDue(category: $category, withinDays: $withinDays, minProbability: $minProbability, first: 20, after: $after) {
    edges {
      node {
        customer {
          id
          name
        }
        prediction {
          probability(withinDays: $withinDays)
          nextPurchaseAt
          overdue
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`,
    { category: "fluid milk products", withinDays: 3, minProbability: 0.2 },
  ),
  tab(
    `# Admin: recompute a customer's predictions now
# (after a support call). Needs an ADMIN key:
# replace <key> in the headers below.
mutation RefreshCustomerPredictions($customerId: ID!) {
  refreshCustomerPredictions(customerId: $customerId) {
    category
    nextPurchaseAt
    reason
    generatedAt
  }
}
`,
    { customerId: "1" },
  ),
];
