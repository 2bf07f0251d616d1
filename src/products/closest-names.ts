// "Did you mean …?" for names a client typed: the known names closest to what arrived, compared
// case-folded. A name that starts with the text, or contains it, or all of its words, comes before
// one that merely looks alike (fewest single-character edits), so "milk" finds "FLUID MILK PRODUCTS"
// and "FLUID MILK PRODCUTS" finds it too. Pure.

/**
 * The `max` known names closest to `typed`, closest first (equally close ones by name).
 *
 * @example
 *   closestNames("milk", ["BAKED BREAD", "FLUID MILK PRODUCTS", "MILK BY-PRODUCTS"]);
 *   // ["MILK BY-PRODUCTS", "FLUID MILK PRODUCTS", "BAKED BREAD"]
 */
export function closestNames(typed: string, names: Iterable<string>, max = 3): string[] {
  const wanted = fold(typed);
  const words = wanted.split(" ").filter(Boolean);
  return [...names]
    .map((name) => {
      const known = fold(name);
      const tier = known.startsWith(wanted)
        ? 0
        : known.includes(wanted)
          ? 1
          : words.length > 0 && words.every((word) => known.includes(word))
            ? 2
            : 3;
      return { name, tier, distance: editDistance(wanted, known) };
    })
    .sort(
      (a, b) =>
        a.tier - b.tier || a.distance - b.distance || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    )
    .slice(0, max)
    .map((candidate) => candidate.name);
}

/** Trimmed, lower case, runs of spaces as one: how names are compared. */
export function fold(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, " ");
}

/**
 * Levenshtein distance: the fewest single-character insertions, deletions and substitutions that
 * turn `a` into `b`.
 *
 * @example editDistance("kitten", "sitting") // 3
 */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
