/**
 * Branching trees (pulmonary vessels, bronchi) that fill a lung, by recursive splitting of a
 * cloud of points sampled inside it: each branch heads for the centroid of the points it
 * serves, then splits them in two along their widest axis and hands each half to a child.
 * The result fans out from the hilum, stays inside the (roughly convex) lung, and thins by
 * Murray's law (child radius = parent / 2^(1/3)) at every generation.
 */
import type { Rng } from './prng'
import type { Segment, Vec3 } from './types'

export interface TreeParams {
  /** Radius of the root branch, mm. */
  radius: number
  /** Radius factor per generation. @default 2^(-1/3) ≈ 0.794 (Murray's law) */
  shrink?: number
  /** Stop splitting below this radius, mm. */
  minRadius: number
  /** Stop splitting after this many generations. */
  maxDepth: number
  /** How far along the way to its points' centroid a branch ends before it splits (0..1). @default 0.5 */
  step?: number
}

/** Up to `count` points uniformly inside `contains`, within the box lo–hi; flat [x, y, z, …]. */
export function sampleInside(
  rng: Rng,
  count: number,
  lo: Vec3,
  hi: Vec3,
  contains: (x: number, y: number, z: number) => boolean,
): Float64Array {
  const out = new Float64Array(count * 3)
  let n = 0
  for (let tries = 0; n < count && tries < count * 200; tries++) {
    const x = rng.range(lo[0], hi[0])
    const y = rng.range(lo[1], hi[1])
    const z = rng.range(lo[2], hi[2])
    if (!contains(x, y, z)) continue
    out[n * 3] = x
    out[n * 3 + 1] = y
    out[n * 3 + 2] = z
    n++
  }
  return out.subarray(0, n * 3)
}

export function growTree(root: Vec3, points: Float64Array, params: TreeParams): Segment[] {
  const shrink = params.shrink ?? Math.pow(2, -1 / 3)
  const step = params.step ?? 0.5
  const segments: Segment[] = []
  const all = Array.from({ length: points.length / 3 }, (_, n) => n)
  const at = (n: number, d: number): number => points[n * 3 + d]!

  const grow = (start: Vec3, subset: number[], r: number, depth: number): void => {
    if (subset.length === 0) return
    const c: Vec3 = [0, 0, 0]
    for (const n of subset) {
      c[0] += at(n, 0) / subset.length
      c[1] += at(n, 1) / subset.length
      c[2] += at(n, 2) / subset.length
    }
    const leaf = subset.length < 2 || depth >= params.maxDepth || r * shrink < params.minRadius
    const f = leaf ? 1 : step
    const end: Vec3 = [
      start[0] + (c[0] - start[0]) * f,
      start[1] + (c[1] - start[1]) * f,
      start[2] + (c[2] - start[2]) * f,
    ]
    segments.push({ a: start, b: end, r })
    if (leaf) return
    // Split along the axis of largest spread, at the median.
    let axis = 0
    let best = -1
    for (let d = 0; d < 3; d++) {
      let v = 0
      const mean = c[d]!
      for (const n of subset) v += (at(n, d) - mean) ** 2
      if (v > best) {
        best = v
        axis = d
      }
    }
    const sorted = [...subset].sort((p, q) => at(p, axis) - at(q, axis))
    const half = sorted.length >> 1
    grow(end, sorted.slice(0, half), r * shrink, depth + 1)
    grow(end, sorted.slice(half), r * shrink, depth + 1)
  }

  grow(root, all, params.radius, 0)
  return segments
}
