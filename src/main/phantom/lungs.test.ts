import { describe, expect, it } from 'vitest'
import { computeLayout } from './layout'
import { lungContains } from './lungs'
import { resolveOptions } from './options'

const L = computeLayout(
  resolveOptions({ seed: 11, rows: 128, cols: 128, pixelSpacing: 2.5, slices: 60, sliceSpacing: 4 }),
)
const [right, left] = L.lungs
const mid = (l: typeof right): number => (l.zApex + l.zBase) / 2 + 0.1 * (l.zApex - l.zBase)

describe('lungContains', () => {
  it('holds the centre of each lung at mid height', () => {
    expect(lungContains(L, right, right.cx, right.cy, mid(right))).toBe(true)
    expect(lungContains(L, left, left.cx, left.cy, mid(left))).toBe(true)
  })

  it('ends at the apex and tapers towards it', () => {
    expect(lungContains(L, right, right.cx, right.cy, right.zApex + 1)).toBe(false)
    // Just below the apex the cross-section is small: half the full semi-axis off-centre is out.
    const z = right.zApex - 0.02 * (right.zApex - right.zBase)
    expect(lungContains(L, right, right.cx, right.cy, z)).toBe(true)
    expect(lungContains(L, right, right.cx + 0.5 * right.ax, right.cy, z)).toBe(false)
  })

  it('sits on a dome: the rim reaches lower than the centre', () => {
    const z = right.zBase + 0.3 * right.dome
    expect(lungContains(L, right, right.cx, right.cy, z)).toBe(false)
    expect(lungContains(L, right, right.cx - 0.95 * right.ax, right.cy, z)).toBe(true)
  })

  it('keeps out of the heart, the spine and the midline', () => {
    const h = L.heart
    expect(lungContains(L, left, h.cx, h.cy, h.cz)).toBe(false)
    expect(lungContains(L, left, h.cx + 0.9 * h.ax, h.cy, h.cz)).toBe(false)
    expect(lungContains(L, right, 0, L.spine.cy, mid(right))).toBe(false)
    expect(lungContains(L, right, 0, right.cy, mid(right))).toBe(false)
    expect(lungContains(L, left, 0, left.cy, mid(left))).toBe(false)
  })
})
