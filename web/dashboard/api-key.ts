// The API key the dashboard sends: typed once, kept in sessionStorage for this tab's session only
// (never in the URL, never in localStorage), forgotten when the tab closes or the server refuses it.
import { useSyncExternalStore } from "react";

const STORAGE_KEY = "cai.dashboard.apiKey";
const listeners = new Set<() => void>();

export function getApiKey(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function setApiKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key.trim());
  for (const listener of listeners) listener();
}

export function forgetApiKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current key; components re-render when it is set or forgotten. */
export function useApiKey(): string | undefined {
  return useSyncExternalStore(subscribe, getApiKey);
}
