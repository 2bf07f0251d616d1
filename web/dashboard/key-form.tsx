// Where the API key is typed. It goes to sessionStorage only (api-key.ts).
import { useId, useRef, useState } from "react";
import { forgetApiKey, setApiKey, useApiKey } from "./api-key";

export function KeyForm({
  submitLabel = "Use this key",
  onSaved,
}: {
  submitLabel?: string;
  onSaved?: () => void;
}) {
  const id = useId();
  const [draft, setDraft] = useState("");
  return (
    <form
      className="key-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (!draft.trim()) return;
        setApiKey(draft);
        setDraft("");
        onSaved?.();
      }}
    >
      <label htmlFor={id}>API key</label>
      <input
        id={id}
        type="password"
        autoComplete="off"
        spellCheck={false}
        required
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
      />
      <button type="submit">{submitLabel}</button>
    </form>
  );
}

/** The header's key control: whether a key is in use, a form to set one, a button to forget it. */
export function KeyStatus() {
  const key = useApiKey();
  const details = useRef<HTMLDetailsElement>(null);
  const close = () => {
    if (details.current) details.current.open = false;
  };
  return (
    <details className="key-status" ref={details}>
      <summary>{key ? "API key: set for this session" : "API key: none (anonymous)"}</summary>
      <p className="hint">
        Kept in this browser tab only (sessionStorage) and sent as <code>Authorization: Bearer …</code>. Model
        health and “Refresh now” need an ADMIN key; in production every page needs a key.
      </p>
      <KeyForm onSaved={close} />
      {key ? (
        <button
          type="button"
          className="secondary"
          onClick={() => {
            forgetApiKey();
            close();
          }}
        >
          Forget the key
        </button>
      ) : null}
    </details>
  );
}
