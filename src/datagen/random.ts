// Seeded random streams for the generator. Every customer gets an independent stream derived from
// (seed, customer index) alone, so customer k's history is the same whether 10 or 10,000 customers are
// generated, and any customer can be (re)generated without generating the ones before it.
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

/** A mutable random stream with the few distributions the generator needs. */
export class Random {
  constructor(private readonly rng: RandomGenerator) {}

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.rng);
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** Uniform whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    // 1 - float() is in (0, 1], so the logarithm is finite.
    return Math.sqrt(-2 * Math.log(1 - this.float())) * Math.cos(2 * Math.PI * this.float());
  }

  /** exp(N(0, sigma²)): a multiplicative factor whose median is exactly 1. */
  logNormal(sigma: number): number {
    return Math.exp(sigma * this.normal());
  }

  /** Poisson-distributed count (Knuth's method; fine for the small means used here). */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let count = 0;
    for (let product = this.float(); product > limit; product *= this.float()) count++;
    return count;
  }

  /** One of the values, with probability proportional to its weight. */
  weighted<T>(options: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, weight] of options) total += weight;
    let target = this.float() * total;
    for (const [value, weight] of options) {
      target -= weight;
      if (target < 0) return value;
    }
    return options[options.length - 1]![0];
  }

  /** One item, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (!items.length) throw new RangeError("pick: expected at least one item, got an empty list");
    return items[this.int(0, items.length - 1)]!;
  }
}

/**
 * The stream for one customer. Same (seed, index) → same stream; neighbouring indices or seeds give
 * unrelated streams, because all 128 bits of the xoroshiro128+ state are hashed from both.
 *
 * @example
 *   const random = customerRandom(1, 42);
 *   random.int(1, 6); // always the same value for seed 1, customer 42
 */
export function customerRandom(seed: number, index: number): Random {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new RangeError(`seed: expected a whole number from 0 to ${0xffff_ffff}, got ${seed}`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index > 0xffff_ffff) {
    throw new RangeError(`customer index: expected a whole number from 0 to ${0xffff_ffff}, got ${index}`);
  }
  const seedHash = mix32(seed ^ 0x5bd1e995);
  const state = [0, 1, 2, 3].map((word) =>
    mix32(seedHash ^ mix32(Math.imul(index, 0x9e3779b1) + Math.imul(word + 1, 0x85ebca6b))),
  );
  // xoroshiro's one forbidden state; the hash makes it practically unreachable, but never impossible.
  if (!state.some((word) => word !== 0)) state[0] = 1;
  return new Random(xoroshiro128plusFromState(state));
}

// ---- private helpers ----

/** A 32-bit finaliser (lowbias32): every input bit flips about half of the output bits. */
function mix32(value: number): number {
  let x = value | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x | 0;
}
