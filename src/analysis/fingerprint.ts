// Short content hashes: the priors' fingerprint, the analyzer's version, a deterministic customer
// sample. FNV-1a (twice, with different offsets, for 64 bits): fast, stable across runs and platforms;
// nothing here needs to resist an adversary.

/**
 * 16 hex digits identifying a string's content.
 *
 * @example fingerprintOf("abc") // "1a47e90bbdd5594d" (always the same)
 */
export function fingerprintOf(text: string): string {
  return hex8(fnv1a(text, 0x811c9dc5)) + hex8(fnv1a(text, 0x01000193));
}

/** A 32-bit hash of a string, for ordering and sampling. */
export function hash32(text: string): number {
  return fnv1a(text, 0x811c9dc5);
}

function fnv1a(text: string, offset: number): number {
  let hash = offset >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, "0");
}
