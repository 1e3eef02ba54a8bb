import { describe, expect, it } from 'vitest'
import { uniform } from '../phantom/prng'
import { LabelScratch, componentSizes, label3d, labelRuns, labelRunsAtOrBelow, largestLabel, runSizes } from './connectedComponents'
import { MASK_FLAG_THRESHOLDS, bodyFromAirRuns, bodyFromLabelling, bodyMeasures, huHistogram, maskStats } from './maskStats'
import { segmentLungsSeedBoth } from './segmentLungs'

/**
 * [z 2, y 10, x 12], voxels 2 × 1 × 1 mm (0.002 mL): air around a body (y 1–8, x 1–10, +40 HU)
 * whose mean column is 5.5; one voxel of metal (3000 HU) inside it.
 */
function scene() {
  const [Z, Y, X] = [2, 10, 12]
  const image = new Int16Array(Z * Y * X).fill(-1000)
  for (let z = 0; z < Z; z++) for (let y = 1; y <= 8; y++) for (let x = 1; x <= 10; x++) image[(z * Y + y) * X + x] = 40
  image[(0 * Y + 2) * X + 5] = 3000
  const mask = new Uint8Array(image.length)
  const paint = (y0: number, y1: number, x0: number, x1: number) => {
    for (let z = 0; z < Z; z++)
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) mask[(z * Y + y) * X + x] = 1
  }
  return {
    image,
    mask,
    paint,
    shape: [Z, Y, X] as [number, number, number],
    spacing: [2, 1, 1] as [number, number, number],
  }
}

describe('maskStats', () => {
  it('measures size, sides by component, metal, and raises only the flags that apply', () => {
    const s = scene()
    s.paint(3, 6, 2, 4) // patient-right lung (low x): 4 × 3 × 2 = 24 voxels
    s.paint(3, 6, 7, 8) // patient-left lung: 16 voxels
    const st = maskStats(s.image, s.mask, s.shape, s.spacing, { ...MASK_FLAG_THRESHOLDS, metalMl: 0.001 })
    expect(st.maskVoxels).toBe(40)
    expect(st.fraction).toBeCloseTo(40 / 240, 12)
    expect(st.volumeMl).toBeCloseTo(0.08, 12)
    expect(st.midlineX).toBe(5.5)
    expect(st.sideMethod).toBe('components')
    expect([st.rightMl, st.leftMl]).toEqual([0.048, 0.032])
    expect(st.balance).toBeCloseTo(16 / 24, 12)
    expect(st.metalMl).toBe(0.002)
    expect(st.borderFaceFraction).toBe(0)
    // Metal above the (lowered) threshold; nothing else: the fraction is large, the sides even.
    expect(st.flags.map((f) => [f.code, f.value, f.threshold])).toEqual([['metal', 0.002, 0.001]])
    expect(st.flags[0]!.message).toMatch(/above 2500 HU inside the body/)
  })

  it('splits a single component at the midline and flags one lung; a tiny mask is only tiny', () => {
    const one = scene()
    one.paint(3, 6, 2, 4) // 24 voxels (10 %), all on the patient-right side of the midline
    const st = maskStats(one.image, one.mask, one.shape, one.spacing)
    expect(st.sideMethod).toBe('midline')
    expect([st.rightMl, st.leftMl, st.balance]).toEqual([0.048, 0, 0])
    expect(st.flags.map((f) => f.code)).toEqual(['one_lung'])
    // 4 voxels (1.7 %), also one-sided: their balance means nothing next to tiny_mask.
    const tiny = scene()
    tiny.paint(4, 4, 2, 3)
    const t = maskStats(tiny.image, tiny.mask, tiny.shape, tiny.spacing)
    expect(t.balance).toBe(0)
    expect(t.flags.map((f) => f.code)).toEqual(['tiny_mask'])
  })

  it("takes the body from the seed segmentation's first labelling, equal to labelling it alone", () => {
    // Sparse random specks (under 26-connectivity's percolation threshold, ~0.1): many small
    // dense components, often several of the largest size, so ties must break the same way.
    const shape: [number, number, number] = [9, 13, 17]
    let ties = 0
    for (let seed = 1; seed <= 20; seed++) {
      const rand = uniform(seed)
      const density = 0.03 + 0.01 * (seed % 6)
      const image = new Int16Array(shape[0] * shape[1] * shape[2])
      for (let i = 0; i < image.length; i++) image[i] = rand() < density ? Math.round(rand() * 3000) : -1000
      const dense = Uint8Array.from(image, (v) => (v > -320 ? 1 : 0))
      const sizes = [...runSizes(labelRuns(dense, shape))].slice(1)
      if (sizes.filter((k) => k === Math.max(...sizes)).length > 1) ties++
      // Reference: label the dense voxels alone, voxel by voxel.
      const { labels, count } = label3d(dense, shape)
      const body = largestLabel(componentSizes(labels, count))
      let n = 0
      let sx = 0
      let metalVoxels = 0
      labels.forEach((l, i) => {
        if (l !== body) return
        n++
        sx += i % shape[2]
        if (image[i]! > 2500) metalVoxels++
      })
      const want = { midlineX: sx / n, metalVoxels }
      expect(bodyMeasures(image, shape, 2500)).toEqual(want)
      let got: ReturnType<typeof bodyMeasures> | undefined
      const masks = segmentLungsSeedBoth(image, shape, {
        onFirstLabelling: (rl, binary) => (got = bodyFromLabelling(rl, binary, 2, image, 2500)),
      })
      expect(got).toEqual(want)
      // From robust mode's labelling of the air: the gaps between its runs are the dense runs.
      expect(bodyFromAirRuns(labelRunsAtOrBelow(image, shape, -320), image, 2500)).toEqual(want)
      // The seed fill mask is one component: the left/right split may skip labelling it.
      const known = maskStats(image, masks.fill, shape, [1, 1, 1], MASK_FLAG_THRESHOLDS, { body: got, oneComponent: true })
      expect(known).toEqual(maskStats(image, masks.fill, shape, [1, 1, 1]))
    }
    expect(ties).toBeGreaterThan(3)
  })

  it('takes the body from the air\'s runs when rows are all air, all tissue, or start and end either way', () => {
    const shape: [number, number, number] = [3, 4, 9]
    const image = new Int16Array(3 * 4 * 9).fill(-1000)
    image.fill(40, 36, 45) // slice 1, row 0: all tissue
    image.fill(40, 45, 48) // slice 1, row 1: tissue from x = 0 …
    image.fill(40, 52, 54) // … and up to x = 8
    image.fill(3000, 53, 54)
    for (const scratch of [undefined, new LabelScratch()]) {
      const got = bodyFromAirRuns(labelRunsAtOrBelow(image, shape, -320), image, 2500, scratch)
      expect(got).toEqual(bodyMeasures(image, shape, 2500))
    }
    expect(bodyMeasures(image, shape, 2500)).toEqual({ midlineX: (36 + 3 + 15) / 14, metalVoxels: 1 })
  })

  it("measures how much of the volume's sides the mask covers", () => {
    const s = scene()
    s.paint(3, 6, 2, 4)
    s.paint(3, 6, 7, 9)
    s.paint(9, 9, 0, 11) // the bottom row of both slices: air under a table, say
    const st = maskStats(s.image, s.mask, s.shape, s.spacing)
    // Side faces per slice: 2 × 12 + 2 × 8 = 40 voxels; the bottom row covers 12 in each slice.
    expect(st.borderFaceFraction).toBe(24 / 80)
    expect(st.flags.map((f) => f.code)).toEqual(['border_touching'])
  })

  it('counts and splits masks as labelling them voxel by voxel does, wherever they start in memory', () => {
    // Reference: the mask labelled voxel by voxel (label3d), sides from the two largest
    // components or at the midline, as the statistics define them.
    const reference = (mask: Uint8Array, shape: [number, number, number], midlineX: number) => {
      const X = shape[2]
      const { labels, count } = label3d(mask, shape)
      const sizes = componentSizes(labels, count)
      const first = largestLabel(sizes)
      let second = 0
      for (let l = 1; l <= count; l++) if (l !== first && (second === 0 || sizes[l]! > sizes[second]!)) second = l
      const midline = () => {
        let right = 0
        let left = 0
        labels.forEach((l, i) => {
          if (l === 0) return
          if (i % X < Math.ceil(midlineX)) right++
          else left++
        })
        return { n: right + left, right, left, method: 'midline' }
      }
      const split = midline()
      if (second === 0 || sizes[second]! < 0.2 * sizes[first]!) return { split, sides: split }
      const sx = new Float64Array(count + 1)
      labels.forEach((l, i) => void (sx[l]! += i % X))
      const side = (l: number) => (sx[l]! / sizes[l]! < midlineX ? -1 : 1)
      if (side(first) === side(second)) return { split, sides: split }
      const right = side(first) < 0 ? sizes[first]! : sizes[second]!
      const left = side(first) < 0 ? sizes[second]! : sizes[first]!
      return { split, sides: { n: split.n, right, left, method: 'components' } }
    }
    // Volumes back to voxels (1 mm³ voxels, 0.001 mL each).
    const voxels = (ml: number) => Math.round(ml * 1000)
    const shape: [number, number, number] = [6, 11, 23]
    const image = new Int16Array(shape[0] * shape[1] * shape[2])
    const rand = uniform(5)
    const methods = new Set<string>()
    for (let trial = 0; trial < 24; trial++) {
      // Two boxes (one per side, sometimes joined by a bar or much smaller) and some specks.
      const flat = new Uint8Array(image.length)
      const box = (z0: number, z1: number, y0: number, y1: number, x0: number, x1: number) => {
        for (let z = z0; z <= z1; z++) for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) flat[(z * 11 + y) * 23 + x] = 1
      }
      box(0, 5, 1 + (trial % 3), 9, trial % 4, 8 + (trial % 3))
      if (trial % 4 !== 3) box(1, 4 + (trial % 2), 2, 9 - (trial % 5), 13 + (trial % 3), 22 - (trial % 6) * 2)
      if (trial % 5 === 0) box(2, 2, 5, 5, 8, 15)
      for (let i = 0; i < flat.length; i++) if (rand() < 0.02) flat[i] = 1
      const midlineX = 9 + trial / 4
      const { split, sides } = reference(flat, shape, midlineX)
      methods.add(sides.method)
      const known = { body: { midlineX, metalVoxels: 0 }, abdominalGasMl: 0 }
      for (const offset of [0, 1, 2, 3]) {
        const mask = new Uint8Array(flat.length + offset).subarray(offset)
        mask.set(flat)
        const st = maskStats(image, mask, shape, [1, 1, 1], MASK_FLAG_THRESHOLDS, known)
        expect([st.maskVoxels, voxels(st.rightMl), voxels(st.leftMl), st.sideMethod]).toEqual([sides.n, sides.right, sides.left, sides.method])
        // The seed mode's shortcut (the mask is one component): the split at the midline.
        const one = maskStats(image, mask, shape, [1, 1, 1], MASK_FLAG_THRESHOLDS, { ...known, oneComponent: true })
        expect([one.maskVoxels, voxels(one.rightMl), voxels(one.leftMl), one.sideMethod]).toEqual([split.n, split.right, split.left, 'midline'])
      }
    }
    expect([...methods].sort()).toEqual(['components', 'midline'])
  })

  it('says nothing about sides for an empty mask, only that it is tiny', () => {
    const s = scene()
    expect(maskStats(s.image, s.mask, s.shape, s.spacing).flags.map((f) => f.code)).toEqual(['tiny_mask'])
  })
})

describe('maskStats: what is in the mask that is not lung', () => {
  /**
   * [z 8, y 16, x 30], voxels 10 × 3 × 3 mm (0.09 mL), in a body of +40 HU: a lung block (z 3–7,
   * −850 HU, x 0–10: 33 mm across, thick for the 12 mm airway test, 45 mm from the midline),
   * gas under it (z 0–1, −1000 HU, 2 × 3 × 3 voxels) joined through one slice of partial-volume
   * voxels (z 2, −500 HU), and a 2 × 2 tube of gas from the top slice down to z 4 at the body's
   * midline (x 19.5), beside the lung: a trachea.
   */
  function scene(): { image: Int16Array; mask: Uint8Array; shape: [number, number, number] } {
    const [Z, Y, X] = [8, 16, 30]
    const image = new Int16Array(Z * Y * X).fill(40)
    const mask = new Uint8Array(image.length)
    const box = (z0: number, z1: number, y0: number, y1: number, x0: number, x1: number, hu: number) => {
      for (let z = z0; z <= z1; z++)
        for (let y = y0; y <= y1; y++)
          for (let x = x0; x <= x1; x++) {
            image[(z * Y + y) * X + x] = hu
            mask[(z * Y + y) * X + x] = 1
          }
    }
    box(3, 7, 2, 13, 0, 10, -850)
    box(2, 2, 5, 7, 2, 4, -500)
    box(0, 1, 5, 7, 2, 4, -1000)
    box(4, 7, 7, 8, 19, 20, -1000)
    return { image, mask, shape: [Z, Y, X] }
  }
  const spacing: [number, number, number] = [10, 3, 3]
  const body = { midlineX: 19.5, metalVoxels: 0 }
  const low = { ...MASK_FLAG_THRESHOLDS, abdominalGasMl: 0.5, airwaysMl: 0.5 }

  it('measures gas below the lung base and the trachea, and flags both', () => {
    const s = scene()
    const st = maskStats(s.image, s.mask, s.shape, spacing, low, { body })
    expect(st.abdominalGasMl).toBeCloseTo(18 * 0.09, 12) // the 2 × 3 × 3 gas voxels
    expect(st.airwaysMl).toBeCloseTo(16 * 0.09, 12) // 4 slices of the 2 × 2 tube
    const flags = st.flags.filter((f) => f.code === 'abdominal_gas' || f.code === 'airways_in_mask')
    expect(flags.map((f) => [f.code, f.threshold])).toEqual([
      ['abdominal_gas', 0.5],
      ['airways_in_mask', 0.5],
    ])
    expect(flags[0]!.message).toMatch(/below the diaphragm/)
    // Under the default thresholds (5 mL, 2 mL) neither is raised.
    const quiet = maskStats(s.image, s.mask, s.shape, spacing, MASK_FLAG_THRESHOLDS, { body })
    expect(quiet.flags.map((f) => f.code)).not.toContain('abdominal_gas')
    expect(quiet.flags.map((f) => f.code)).not.toContain('airways_in_mask')
  })

  it('takes the gas volume from the caller when it has just measured this mask', () => {
    const s = scene()
    const st = maskStats(s.image, s.mask, s.shape, spacing, low, { body, abdominalGasMl: 0 })
    expect(st.abdominalGasMl).toBe(0)
    expect(st.flags.map((f) => f.code)).not.toContain('abdominal_gas')
  })
})

describe('huHistogram (numpy.histogram, bins between min and max)', () => {
  it('closes the last bin on the right', () => {
    // np.histogram([0, 1, 2, 3, 4, 10], bins=5) → [2, 2, 1, 0, 1], edges 0, 2, …, 10.
    const h = huHistogram(Int16Array.from([0, 1, 2, 3, 4, 10]), 5)
    expect([...h.edges]).toEqual([0, 2, 4, 6, 8, 10])
    expect([...h.counts]).toEqual([2, 2, 1, 0, 1])
  })

  it('corrects the float bin index against the edges, as numpy does', () => {
    // Range 309 in 3 bins: edges -1100, -997, -894, -791. (-997 + 1100) · 3/309 is
    // 0.9999999999999999 in floating point, so a plain truncation puts -997 in bin 0; numpy's
    // comparison with the edge moves it to bin 1 (and -894 to bin 2): [1, 1, 2], not [2, 1, 1].
    const h = huHistogram(Int16Array.from([-1100, -997, -894, -791]), 3)
    expect([...h.edges]).toEqual([-1100, -997, -894, -791])
    expect([...h.counts]).toEqual([1, 1, 2])
  })

  it("widens a constant image to ±0.5 and defaults to the tutorial's 80 bins", () => {
    // np.histogram([5, 5], bins=80): edges 4.5 … 5.5, both values in bin 40 (edge 5.0).
    const h = huHistogram(Int16Array.from([5, 5]))
    expect(h.edges.length).toBe(81)
    expect([h.edges[0], h.edges[40], h.edges[80]]).toEqual([4.5, 5, 5.5])
    expect(h.counts[40]).toBe(2)
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(2)
  })
})
