import { describe, expect, it } from 'vitest'
import {
  LabelScratch,
  componentSizes,
  label2d,
  label3d,
  labelMask,
  labelRuns,
  labelRunsAtOrBelow,
  largestLabel,
  paintLabels,
  runSizes,
  touchesSideFaces,
} from './connectedComponents'

/** Rows of digits → a flat Uint8Array, for literal images. */
const img = (...rows: string[]): Uint8Array => Uint8Array.from(rows.join('').split(''), Number)

describe('label2d', () => {
  it('joins diagonal neighbours with 8-connectivity only', () => {
    // Two pixels touching at a corner: one component under 8-connectivity, two under 4.
    const a = img('10', '01')
    expect([...label2d(a, [2, 2]).labels]).toEqual([1, 0, 0, 1])
    expect([...label2d(a, [2, 2], { connectivity: 4 }).labels]).toEqual([1, 0, 0, 2])
  })

  it('numbers components in raster order of their first pixel, even when a later row merges them', () => {
    // A "U" and an isolated pixel between its arms. Row 0 meets the left arm (0,0), the pixel
    // (0,2), then the right arm (0,4) as three separate runs; row 2 joins the arms. The U's
    // first pixel (0,0) comes first, so it is 1 (right arm included), and the pixel is 2, not 3.
    const a = img('10101', '10001', '11111')
    const { labels, count } = label2d(a, [3, 5], { connectivity: 4 })
    expect(count).toBe(2)
    expect([...labels]).toEqual([1, 0, 2, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1])
  })

  it("labels every value as its own class when there is no background (the tutorial's 1/2 image)", () => {
    // 1s and 2s, no zeros: with background null every pixel gets a label; equal values
    // connect (8-connectivity), different values never do. (0,0) is a 1 → label 1; (0,1) a 2 →
    // label 2. Row 1: the 2 at (1,0) touches the 2 at (0,1) diagonally, the 1 at (1,1) touches
    // the 1 at (0,0) diagonally: still two components.
    const a = img('122', '212')
    const { labels, count } = label2d(a, [2, 3], { background: null })
    expect([...labels]).toEqual([1, 2, 2, 2, 1, 2])
    expect(count).toBe(2)
  })

  it('treats any chosen value as background', () => {
    // Background 1: the 0s and the 2 are labelled. The 0 at (1,2) touches only the 2 at (0,2)
    // (a different value) and a background 1: a component of its own.
    const a = img('012', '110')
    const { labels, count } = label2d(a, [2, 3], { background: 1 })
    expect([...labels]).toEqual([1, 0, 2, 0, 0, 3])
    expect(count).toBe(3)
  })
})

describe('label3d', () => {
  // Two voxels of a 2×2×2 cube, at offset (dz, dy, dx) = (1, 1, 1), (1, 1, 0) or (1, 0, 0).
  const pair = (b: number): Uint8Array => {
    const a = new Uint8Array(8)
    a[0] = 1
    a[b] = 1
    return a
  }
  it('6 joins faces, 18 also edges, 26 also corners', () => {
    const corner = pair(7) // (1,1,1)
    const edge = pair(6) // (1,1,0)
    const face = pair(4) // (1,0,0)
    const count = (a: Uint8Array, c: 6 | 18 | 26): number => label3d(a, [2, 2, 2], { connectivity: c }).count
    expect([count(face, 6), count(edge, 6), count(corner, 6)]).toEqual([1, 2, 2])
    expect([count(face, 18), count(edge, 18), count(corner, 18)]).toEqual([1, 1, 2])
    expect([count(face, 26), count(edge, 26), count(corner, 26)]).toEqual([1, 1, 1])
  })

  it('18-connectivity does not join (dz, dy) = (1, 1) with dx ≠ 0', () => {
    // (0,0,0) and (1,1,1) differ in three coordinates: not 18-neighbours. (0,0,1) and (1,1,0)
    // also differ in three. Under 26 all four voxels are one component.
    const a = new Uint8Array(8)
    a[1] = 1 // (0,0,1)
    a[6] = 1 // (1,1,0)
    expect(label3d(a, [2, 2, 2], { connectivity: 18 }).count).toBe(2)
    expect(label3d(a, [2, 2, 2], { connectivity: 26 }).count).toBe(1)
  })

  it('writes into a given buffer and clears what is background', () => {
    const out = new Int32Array(4).fill(99)
    const r = label3d(Int16Array.from([0, 5, 5, 0]), [1, 1, 4], { out })
    expect(r.labels).toBe(out)
    expect([...out]).toEqual([0, 1, 1, 0])
  })

  it('agrees with its run form: sizes, painting, side faces', () => {
    // 2 × 3 × 4: a 1 at (0, 1, 0) on the x = 0 face, and one at (1, 1, 2), two columns away
    // (not even a 26-neighbour) and off every side face.
    const a = new Uint8Array(24)
    a[4] = 1
    a[12 + 4 + 2] = 1
    const scratch = new LabelScratch()
    const rl = labelRuns(a, [2, 3, 4], { scratch })
    expect(rl.count).toBe(2)
    expect([...runSizes(rl)]).toEqual([22, 1, 1])
    expect([...touchesSideFaces(rl)]).toEqual([0, 1, 0])
    const painted = paintLabels(rl, new Int32Array(24).fill(-1))
    expect([...painted]).toEqual([...label3d(a, [2, 3, 4]).labels])
  })

  it('grows its run tables past their first size', () => {
    // A checkerboard has one run per voxel: 64 × 64 × 2 = 8192 runs, twice the initial 4096.
    const a = new Uint8Array(64 * 64 * 2)
    for (let i = 0; i < a.length; i++) {
      const x = i % 64
      const y = Math.floor(i / 64) % 64
      const z = Math.floor(i / 4096)
      a[i] = (x + y + z) % 2
    }
    // 6-connectivity: no two 1s of a checkerboard share a face.
    expect(label3d(a, [2, 64, 64], { connectivity: 6 }).count).toBe(4096)
    // 18: every 1 touches the diagonal 1s of its plane: one component.
    expect(label3d(a, [2, 64, 64], { connectivity: 18 }).count).toBe(1)
  })

  it('rejects a shape that does not match', () => {
    expect(() => label3d(new Uint8Array(5), [1, 2, 3])).toThrow(RangeError)
  })
})

describe('labelMask and labelRunsAtOrBelow', () => {
  // Deterministic noise (an LCG), so a failure reproduces.
  const noise = (n: number, seed: number): Int16Array => {
    let v = seed
    return Int16Array.from({ length: n }, () => {
      v = (v * 1103515245 + 12345) % 2147483648
      return (v % 2001) - 1000
    })
  }
  const same = (a: ReturnType<typeof labelRuns>, b: ReturnType<typeof labelRuns>): void => {
    expect(a.count).toBe(b.count)
    const rows = a.shape[0] * a.shape[1]
    const n = rows * a.shape[2]
    expect([...paintLabels(a, new Int32Array(n))]).toEqual([...paintLabels(b, new Int32Array(n))])
    expect([...a.rowFirst.subarray(0, rows + 1)]).toEqual([...b.rowFirst.subarray(0, rows + 1)])
    expect([...a.start.subarray(0, a.runs)]).toEqual([...b.start.subarray(0, b.runs)])
    expect([...a.end.subarray(0, a.runs)]).toEqual([...b.end.subarray(0, b.runs)])
  }

  it("label a 0/1 mask and a threshold exactly as labelRuns does, numbering included", () => {
    // Sparse and dense masks (empty rows and slices, rows full to the end, runs across row ends)
    // at every connectivity.
    const shape: [number, number, number] = [7, 9, 11]
    const n = 7 * 9 * 11
    for (const [seed, threshold] of [
      [1, -900],
      [2, 0],
      [3, 800],
      [4, 1000],
      [5, -1001],
    ] as const) {
      const hu = noise(n, seed)
      // An empty slice and three full rows, which the mask scan skips or runs to their ends.
      hu.fill(1000, 2 * 99, 3 * 99)
      hu.fill(-1000, 5 * 99 + 22, 5 * 99 + 55)
      const mask = Uint8Array.from(hu, (v) => (v <= threshold ? 1 : 0))
      for (const connectivity of [6, 18, 26] as const) {
        const want = labelRuns(mask, shape, { connectivity })
        // Fresh scratches: each labelling is read after the next one ran.
        // Word reads at every alignment of the mask in its buffer.
        for (let at = 0; at < 4; at++) {
          const moved = new Uint8Array(n + 4).subarray(at, at + n)
          moved.set(mask)
          same(labelMask(moved, shape, { connectivity, scratch: new LabelScratch() }), want)
        }
        same(labelRunsAtOrBelow(hu, shape, threshold, { connectivity, scratch: new LabelScratch() }), want)
      }
    }
  })
})

describe('labelRuns on byte masks', () => {
  it('crosses zero words as the plain scan does, at any offset into the buffer', () => {
    // Mostly zero with a few values 1–3 (several classes, as the gas check labels), rows of 13
    // so words straddle rows, in views starting at every byte offset mod 4.
    const shape: [number, number, number] = [5, 6, 13]
    const n = 5 * 6 * 13
    const buf = new Uint8Array(n + 8)
    let v = 7
    for (let i = 0; i < buf.length; i++) {
      v = (v * 1103515245 + 12345) % 2147483648
      buf[i] = v % 11 < 8 ? 0 : 1 + (v % 3)
    }
    buf.fill(0, 100, 180) // whole zero rows and words
    buf.fill(2, 200, 230) // a run across a row end
    for (let start = 0; start < 4; start++) {
      const bytes = buf.subarray(start, start + n)
      for (const connectivity of [6, 26] as const) {
        const got = label3d(bytes, shape, { connectivity })
        // An Int16 copy takes the plain voxel-by-voxel scan.
        const want = label3d(Int16Array.from(bytes), shape, { connectivity })
        expect(got.count).toBe(want.count)
        expect([...got.labels]).toEqual([...want.labels])
      }
    }
  })
})

describe('componentSizes and largestLabel', () => {
  it('counts the background at index 0 and breaks ties to the lowest label, as np.argmax', () => {
    const labels = Int32Array.from([0, 1, 1, 2, 2, 3, 0])
    const sizes = componentSizes(labels, 3)
    expect([...sizes]).toEqual([2, 2, 2, 1])
    // Labels 1 and 2 both have 2 voxels: the first wins, as vals[np.argmax(counts)] over
    // np.unique's sorted values does in the tutorial.
    expect(largestLabel(sizes)).toBe(1)
    expect(largestLabel(new Float64Array([7]))).toBe(0) // background only: "None"
  })
})
