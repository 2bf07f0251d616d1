// Category names as clients type them: matched case-insensitively to the names the catalogue uses
// (products' categories), and a name that matches none refused with BAD_USER_INPUT naming the
// closest ones. The names are read once per database client and kept a minute (they change only
// when products are written); a name not found reads them again first (at most once a second), so a
// category added a moment ago, by this process or another, is found.
import type { Db } from "../db/client";
import { badInput } from "../graphql/errors";
import { closestNames, fold } from "./closest-names";

/** How long the names read are trusted for a name that is found. */
const MAX_AGE_MS = 60_000;
/** A name not found reads the names again only if they are older than this. */
const MIN_RELOAD_MS = 1_000;

export class CategoryNames {
  readonly #db: Db;
  #byFolded = new Map<string, string>();
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | undefined;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * The catalogue's spelling of the category a client named, in any case.
   *
   * @example await names.resolve("fluid milk products"); // "FLUID MILK PRODUCTS"
   * @throws BAD_USER_INPUT naming the closest known categories when no category has that name.
   */
  async resolve(typed: string, argument = "category"): Promise<string> {
    const key = fold(typed);
    if (Date.now() - this.#loadedAt > MAX_AGE_MS) await this.#load();
    let found = this.#byFolded.get(key);
    if (found === undefined && Date.now() - this.#loadedAt > MIN_RELOAD_MS) {
      await this.#load();
      found = this.#byFolded.get(key);
    }
    if (found !== undefined) return found;
    throw badInput(unknownCategory(typed, [...this.#byFolded.values()], argument));
  }

  /** One read at a time: concurrent requests share it. */
  #load(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const groups = await this.#db.product.groupBy({ by: ["category"], orderBy: { category: "asc" } });
        this.#byFolded = new Map(groups.map((group) => [fold(group.category), group.category]));
        this.#loadedAt = Date.now();
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }
}

/** The names of a database client's catalogue, shared by every request that uses that client. */
export function categoryNamesOf(db: Db): CategoryNames {
  let names = known.get(db);
  if (!names) {
    names = new CategoryNames(db);
    known.set(db, names);
  }
  return names;
}

// ---- private helpers ----

const known = new WeakMap<Db, CategoryNames>();

/** What was expected, what arrived, and the closest names (the message ends with a full stop, not "?"). */
function unknownCategory(typed: string, names: string[], argument: string): string {
  const got = JSON.stringify(typed.slice(0, 100));
  if (!names.length) {
    return `${argument}: expected the name of a product category, got ${got}: there are no products yet.`;
  }
  const closest = closestNames(typed, names).map((name) => JSON.stringify(name));
  const listed = closest.length > 1 ? `${closest.slice(0, -1).join(", ")} or ${closest.at(-1)}` : closest[0];
  return (
    `${argument}: expected the name of a product category (any case), got ${got}. ` +
    `Did you mean ${listed}? The categories query lists all ${names.length}.`
  );
}
