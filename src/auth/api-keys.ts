// Who is calling: API keys by role, sent as `Authorization: Bearer <key>`. Keys are compared as
// SHA-256 digests in constant time against every configured key (no early exit), so neither the
// comparison nor the search leaks how much of a key was right. Keys never reach a log: a principal
// carries only a short fingerprint.
import { createHash, timingSafeEqual } from "node:crypto";
import type { ApiKeys } from "../config";

/** What a key may do; each role includes the ones before it. */
export type Role = "READ" | "INGEST" | "ADMIN";

const RANK: Record<Role, number> = { READ: 1, INGEST: 2, ADMIN: 3 };

export type Principal =
  | { kind: "key"; role: Role /** First 8 hex digits of the key's SHA-256, for logs. */; fingerprint: string }
  /** No key sent. `canRead`: anonymous reads are allowed (never in production). */
  | { kind: "anonymous"; canRead: boolean };

export class InvalidApiKeyError extends Error {
  override name = "InvalidApiKeyError";
}

export interface KeyRingOptions {
  /** Let requests without a key read (development only). */
  anonymousReads: boolean;
}

/**
 * The configured keys, ready to authenticate requests.
 *
 * @example
 *   const ring = new KeyRing({ read: ["r…"], ingest: [], admin: ["a…"] }, { anonymousReads: false });
 *   ring.authenticate("Bearer a…"); // { kind: "key", role: "ADMIN", fingerprint: "3fa2…" }
 *   ring.authenticate(undefined);   // { kind: "anonymous", canRead: false }
 */
export class KeyRing {
  readonly #entries: Array<{ digest: Buffer; role: Role }>;
  readonly #anonymousReads: boolean;

  constructor(keys: ApiKeys, options: KeyRingOptions) {
    this.#entries = [
      ...keys.read.map((key) => ({ digest: digest(key), role: "READ" as const })),
      ...keys.ingest.map((key) => ({ digest: digest(key), role: "INGEST" as const })),
      ...keys.admin.map((key) => ({ digest: digest(key), role: "ADMIN" as const })),
    ];
    this.#anonymousReads = options.anonymousReads;
  }

  /** True when at least one key has the role (or a higher one). */
  hasKeysFor(role: Role): boolean {
    return this.#entries.some((entry) => RANK[entry.role] >= RANK[role]);
  }

  /**
   * Reads an Authorization header value.
   * @throws InvalidApiKeyError when a header is sent but is not `Bearer <known key>`.
   */
  authenticate(authorization: string | undefined): Principal {
    if (authorization === undefined || authorization.trim() === "") {
      return { kind: "anonymous", canRead: this.#anonymousReads };
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match)
      throw new InvalidApiKeyError("expected an Authorization header of the form: Bearer <api key>");
    const presented = digest(match[1]!);
    let role: Role | undefined;
    for (const entry of this.#entries) {
      // Every entry is compared, match or not, so timing says nothing about which key matched.
      if (timingSafeEqual(entry.digest, presented) && (!role || RANK[entry.role] > RANK[role]))
        role = entry.role;
    }
    if (!role) throw new InvalidApiKeyError("the API key is not valid");
    return { kind: "key", role, fingerprint: presented.toString("hex").slice(0, 8) };
  }
}

/** True when the principal may do what the role allows. */
export function allows(principal: Principal, role: Role): boolean {
  if (principal.kind === "anonymous") return principal.canRead && role === "READ";
  return RANK[principal.role] >= RANK[role];
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}
