import { describe, expect, it } from 'vitest'
import { LabelScratch, labelRuns, paintLabels } from '../pipeline/connectedComponents'
import { FLUID_HU } from './abdomen'
import { generatePhantom } from './generate'
import { computeLayout } from './layout'
import { type PhantomOptions, resolveOptions } from './options'

const GRID: PhantomOptions = { case: 'abdomen', rows: 128, cols: 128, slices: 60, pixelSpacing: 2.5, sliceSpacing: 5 }

/** Whether some gas voxel and some left-lung truth voxel are joined by air-like (≤ −320 HU) voxels. */
function gasTouchesLung(opts: PhantomOptions): boolean {
  const v = generatePhantom(opts)
  const air = new Uint8Array(v.hu.length)
  for (let i = 0; i < air.length; i++) air[i] = v.hu[i]! <= -320 ? 1 : 0
  const rl = labelRuns(air, v.shape, { background: 0, connectivity: 26, scratch: new LabelScratch() })
  const labels = paintLabels(rl, new Int32Array(air.length))
  const gasLabels = new Set<number>()
  for (let i = 0; i < air.length; i++) if (v.abdominalGas![i] && labels[i]) gasLabels.add(labels[i]!)
  const X = v.shape[2]
  for (let i = 0; i < air.length; i++) if (v.lungMask[i] && i % X > X / 2 && gasLabels.has(labels[i]!)) return true
  return false
}

describe('the upper abdomen', () => {
  const v = generatePhantom(GRID)
  const [Z, Y, X] = v.shape
  const voxelMl = (v.spacing[0] * v.spacing[1] * v.spacing[2]) / 1000
  const L = computeLayout(resolveOptions(GRID))

  it('holds gas below the lungs that the truth never calls lung, and no lung in its lowest slices', () => {
    let gas = 0
    let both = 0
    for (let i = 0; i < v.hu.length; i++) {
      gas += v.abdominalGas![i]!
      both += v.abdominalGas![i]! & v.lungMask[i]!
    }
    expect(both).toBe(0)
    // A stomach bubble and colon gas: a few hundred mL in an adult (here ~200).
    expect(gas * voxelMl).toBeGreaterThan(80)
    expect(gas * voxelMl).toBeLessThan(400)
    // The default abdomen is a fifth of the range: 59 mm, 11 slices, none of them lung.
    const lungFree = Math.floor(v.options.abdomenMm / v.spacing[0])
    expect(lungFree).toBe(11)
    for (let i = 0; i < lungFree * Y * X; i++) expect(v.lungMask[i]).toBe(0)
    expect(generatePhantom({ ...GRID, case: 'normal' }).abdominalGas).toBeNull()
  })

  it('puts the stomach gas over fluid with a flat level: a horizontal line in every axial slice', () => {
    const st = L.abdomen!.stomach
    const levelRow = (L.abdomen!.level - L.grid.y0) / L.grid.dy
    let gasBelowLevel = 0
    let columnsWithLevel = 0
    for (let z = 0; z < Z; z++)
      for (let x = 0; x < X; x++) {
        const xm = L.grid.x0 + x * L.grid.dx
        if (Math.abs(xm - st.cx) > 0.5 * st.ax) continue
        // Walk a column of the stomach from front to back: gas, then fluid right at the level.
        let lastGas = -1
        for (let y = 0; y < Y; y++) {
          const i = (z * Y + y) * X + x
          if (!v.abdominalGas![i]) continue
          const ym = L.grid.y0 + y * L.grid.dy
          const inStomach = ((xm - st.cx) / st.ax) ** 2 + ((ym - st.cy) / st.ay) ** 2 < 1
          if (inStomach) lastGas = y
          if (inStomach && y > levelRow) gasBelowLevel++
        }
        if (lastGas < 0) continue
        const below = v.hu[(z * Y + lastGas + 1) * X + x]!
        if (lastGas === Math.floor(levelRow) && Math.abs(below - FLUID_HU) < 100) columnsWithLevel++
      }
    expect(gasBelowLevel).toBe(0)
    expect(columnsWithLevel).toBeGreaterThan(20)
  })

  it('joins the gas to the left lung base through a thin diaphragm; a thick one at thin slices keeps it apart', () => {
    // Partial volume: a 2–3 mm diaphragm inside a 2.5–5 mm slab averages to air-like values.
    expect(gasTouchesLung(GRID)).toBe(true)
    expect(gasTouchesLung({ ...GRID, slices: 120, sliceSpacing: 2.5, diaphragmMm: 2 })).toBe(true)
    // 8 mm of tissue at 1 mm slices leaves whole voxels of tissue between every gas and lung
    // voxel, diagonal neighbours included (3.7 mm apart at 2.5 × 2.5 × 1 mm).
    expect(gasTouchesLung({ ...GRID, slices: 300, sliceSpacing: 1, diaphragmMm: 8 })).toBe(false)
  })
})
