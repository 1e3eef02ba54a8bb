/**
 * Seeded pseudo-random numbers. Everything the phantom draws comes from here, so a phantom is a
 * pure function of its options: same seed, same bytes.
 *
 * mulberry32 is a 32-bit generator: tiny state, fast enough to call once per voxel for noise.
 * Streams for independent concerns (layout, vessels, noise, file names) are derived by hashing
 * a label with the seed, so adding a draw to one concern does not shift the others.
 */

/** 32-bit FNV-1a of a string, mixed with a seed. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  // Final avalanche (murmur3 fmix32) so near-identical labels give unrelated seeds.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  return h >>> 0
}

/** Seed of an independent stream for `label`, derived from the phantom seed. */
export function deriveSeed(seed: number, label: string): number {
  return hashString(label, Math.imul(seed | 0, 0x9e3779b1) ^ (Math.floor(seed / 0x100000000) | 0))
}

export class Rng {
  private state: number
  private spare = 0
  private hasSpare = false

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform unsigned 32-bit integer (mulberry32). */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next()
  }

  /** `value` scaled by a factor uniform in [1 - spread, 1 + spread]: per-patient anatomical variation. */
  jitter(value: number, spread: number): number {
    return value * (1 + spread * (2 * this.next() - 1))
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false
      return this.spare
    }
    let u = this.next()
    while (u <= 0) u = this.next()
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    this.hasSpare = true
    return r * Math.cos(2 * Math.PI * v)
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list')
    return items[this.int(items.length)]!
  }

  /** Fisher-Yates, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = items[i]!
      items[i] = items[j]!
      items[j] = t
    }
    return items
  }

  /** Lower-case hex string of `length` characters. */
  hex(length: number): string {
    let out = ''
    while (out.length < length) out += this.nextU32().toString(16).padStart(8, '0')
    return out.slice(0, length)
  }
}

/**
 * A table of standard-normal samples. Per-voxel noise indexes it with 16 random bits, which
 * costs one mulberry32 step instead of a log, a sqrt and a cosine per voxel.
 */
export function normalTable(rng: Rng, size = 1 << 16): Float32Array {
  const table = new Float32Array(size)
  for (let i = 0; i < size; i++) table[i] = rng.normal()
  return table
}

/** A replayable uniform [0, 1) stream (mulberry32), for tests that want random inputs. */
export function uniform(seed: number): () => number {
  const rng = new Rng(seed)
  return () => rng.next()
}
