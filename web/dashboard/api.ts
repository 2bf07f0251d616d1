// Talks to this server's /graphql with the typed documents from src/client/generated.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { useCallback, useEffect, useState } from "react";
import { forgetApiKey, getApiKey, useApiKey } from "./api-key";

/** A request that failed, with the server's error code when it sent one. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What a person should read for an error: what happened and what to do. */
export function explainError(error: ApiError): string {
  switch (error.code) {
    case "UNAUTHENTICATED":
      return (
        "The server refused the request: it needs an API key, or the key given is not valid. " +
        "Enter a valid key under “API key” at the top of the page."
      );
    case "FORBIDDEN":
      return "This needs an ADMIN key; the key in use may not do it. Enter an admin key under “API key”.";
    case "NETWORK":
      return `The API did not answer (${error.message}). Is the server running?`;
    default:
      return error.message;
  }
}

const printed = new WeakMap<object, string>();

/** Sends one operation; resolves with its data or rejects with an ApiError. */
export async function request<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  signal?: AbortSignal,
): Promise<TData> {
  let query = printed.get(document);
  if (!query) {
    query = print(document);
    printed.set(document, query);
  }
  const key = getApiKey();
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError((error as Error).message, "NETWORK");
  }
  let body: { data?: TData | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP ${response.status} without a GraphQL answer`, "NETWORK");
  }
  const first = body.errors?.[0];
  if (first) {
    const code = first.extensions?.code;
    // A key the server does not know is of no use for anything else either.
    if (code === "UNAUTHENTICATED" && key) forgetApiKey();
    throw new ApiError(first.message, code);
  }
  if (!body.data) throw new ApiError(`HTTP ${response.status} without data`, "NETWORK");
  return body.data;
}

export interface OperationState<TData> {
  data?: TData;
  error?: ApiError;
  loading: boolean;
  /** Asks again (e.g. after a mutation). */
  reload: () => void;
}

/** Runs a query while the component is mounted, again when its variables or the API key change. */
export function useOperation<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  { skip = false } = {},
): OperationState<TData> {
  const key = useApiKey();
  const [round, setRound] = useState(0);
  const [state, setState] = useState<{ data?: TData; error?: ApiError; loading: boolean }>({
    loading: !skip,
  });
  const variablesKey = JSON.stringify(variables);
  // A new key is a reason to ask again only when the last answer was an error (e.g. a key was
  // needed): a page that shows data keeps it while someone tries a key elsewhere on it.
  const retryWithKey = state.error ? key : undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: variablesKey stands for variables; retryWithKey and round trigger a new request.
  useEffect(() => {
    if (skip) return;
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    request(document, variables, controller.signal).then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          error: error instanceof ApiError ? error : new ApiError(String(error), "NETWORK"),
          loading: false,
        });
      },
    );
    return () => controller.abort();
  }, [document, variablesKey, retryWithKey, round, skip]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { ...state, reload };
}
