/**
 * Where everything goes. All sizes are fractions of the body's lateral semi-axis A (in-plane)
 * or of the scanned height H (along z), jittered a few per cent per seed so patients differ.
 * Anatomy is fitted to the scanned range, as a chest protocol would be: lung apex 6 % below
 * the top slice, lung base 5 % above the bottom one.
 */
import { inAeratedLung, lungContains } from './lungs'
import { type ResolvedOptions } from './options'
import { Rng, deriveSeed } from './prng'
import type { Ellipsoid, Grid, Layout, LungShape, Rib, Segment, Vec3 } from './types'

export function makeGrid(o: ResolvedOptions): Grid {
  const [dy, dx] = o.pixelSpacing
  const dz = o.sliceSpacing
  // Head-first supine: the top slice sits at a table position of −40 to −130 mm.
  const zTop = -40 - 10 * (deriveSeed(o.seed, 'table') % 10)
  return {
    rows: o.rows,
    cols: o.cols,
    slices: o.slices,
    dx,
    dy,
    dz,
    x0: (-(o.cols - 1) / 2) * dx,
    y0: (-(o.rows - 1) / 2) * dy,
    z0: zTop - (o.slices - 1) * dz,
  }
}

export function computeLayout(o: ResolvedOptions): Layout {
  const rng = new Rng(deriveSeed(o.seed, 'layout'))
  const grid = makeGrid(o)
  const fovX = o.cols * grid.dx
  const fovY = o.rows * grid.dy
  const F = Math.min(fovX, fovY)
  const zScanBottom = grid.z0
  const zTop = grid.z0 + (o.slices - 1) * grid.dz
  // With an abdomen in the scan, the chest is fitted to the range above it.
  const zBottom = zScanBottom + o.abdomenMm
  const H = Math.max(zTop - zBottom, grid.dz)
  const A = rng.jitter(o.bodyWidthMm / 2, 0.03)
  const B = A * rng.range(0.64, 0.72)
  const body = { cx: 0, cy: -0.06 * F, ax: A, ay: B, fat: rng.jitter(0.075 * A, 0.3) }
  const by = body.cy

  const zApex = zTop - 0.06 * H
  const zBase = zBottom + 0.05 * H
  const lungH = zApex - zBase
  const lung = (side: -1 | 1, ax: number, dome: number): LungShape => ({
    side,
    cx: side * rng.jitter(0.47 * A, 0.02),
    cy: by + 0.05 * B,
    ax: rng.jitter(ax, 0.04),
    ay: rng.jitter(0.7 * B, 0.04),
    zApex,
    zBase,
    dome,
    collapsed: o.collapsedLung === (side < 0 ? 'right' : 'left'),
  })
  // The right dome sits higher (the liver under it).
  const lungs: [LungShape, LungShape] = [lung(-1, 0.33 * A, 0.17 * H), lung(1, 0.31 * A, 0.14 * H)]

  const heartAz = 0.17 * H
  const heart: Ellipsoid = {
    cx: rng.jitter(0.12 * A, 0.1),
    cy: by - 0.22 * B,
    cz: zBase + 0.14 * H + heartAz,
    ax: rng.jitter(0.36 * A, 0.05),
    ay: rng.jitter(0.4 * B, 0.05),
    az: heartAz,
  }
  const zCarina = zApex - 0.38 * lungH
  const mediastinalFat: Ellipsoid = { cx: 0, cy: by - 0.45 * B, cz: zCarina, ax: 0.16 * A, ay: 0.2 * B, az: 0.22 * H }

  const spineR = 0.115 * A
  const spineCy = by + 0.26 * A + spineR
  const canalR = 0.055 * A
  const spine = {
    cy: spineCy,
    r: spineR,
    canalCy: spineCy + spineR + canalR,
    canalR,
    pitch: (25 * A) / 165,
    discHalf: (3 * A) / 165,
  }

  const ribcage = { cy: by + 0.02 * B, ax: 0.86 * A, ay: 0.83 * B, halfThick: 0.025 * A, halfHeight: (6 * A) / 165 }
  const ribs: Rib[] = []
  const ribPitch = (0.9 * lungH) / 11
  for (const side of [-1, 1] as const) {
    for (let k = 0; k < 12; k++) {
      const phi1 = k < 7 ? 2.8 : k < 10 ? 2.5 : 1.9
      ribs.push({
        side,
        zPost: zApex + 0.02 * H - k * ribPitch,
        drop: (k < 7 ? 3.2 : 2.0) * ribPitch,
        phi0: 0.25,
        phi1,
        phiCartilage: k < 10 ? phi1 - 0.35 : phi1,
      })
    }
  }
  const sternum = { cy: by - 0.8 * B, ax: 0.1 * A, ay: 0.055 * B, zTop: zApex - 0.08 * H, zBottom: zBase + 0.3 * H }

  const aorta = {
    r: 0.075 * A,
    path: [
      [0, by - 0.28 * B, heart.cz + 0.6 * heart.az],
      [-0.02 * A, by - 0.25 * B, zCarina + 0.08 * H],
      [0.08 * A, by - 0.02 * B, zCarina + 0.12 * H],
      [0.19 * A, by + 0.3 * A, zCarina + 0.08 * H],
      [0.19 * A, by + 0.3 * A, zScanBottom - grid.dz],
    ] as Vec3[],
  }

  const tx = -0.02 * A
  const ty = by
  const trachea = { x: tx, y: ty, r: Math.max(5, 0.05 * A), wall: 2, zTop: zTop + grid.dz, zCarina }
  const carina: Vec3 = [tx, ty, zCarina]
  const mainBronchi: [Segment, Segment] = [
    { a: carina, b: [-0.3 * A, ty + 0.02 * B, zCarina - 0.07 * H], r: 0.04 * A },
    { a: carina, b: [0.31 * A, ty + 0.03 * B, zCarina - 0.1 * H], r: 0.037 * A },
  ]
  const vesselRoots = mainBronchi.map((s, i): Vec3 => [s.b[0] + (i === 0 ? -4 : 4), s.b[1] - 6, s.b[2]]) as [Vec3, Vec3]

  const snapZ = (z: number): number => grid.z0 + Math.round((z - grid.z0) / grid.dz) * grid.dz
  const surfaceY = (x: number): number => by - B * Math.sqrt(Math.max(0, 1 - (x / A) ** 2))
  const layout: Layout = {
    grid,
    fovRadius: F / 2,
    height: H,
    body,
    mediastinalFat,
    heart,
    lungs,
    spine,
    ribcage,
    ribs,
    sternum,
    aorta,
    trachea,
    mainBronchi,
    vesselRoots,
    tray: null,
    pacemaker: null,
    tracheostomy: null,
    nodules: [],
    abdomen: null,
  }

  if (o.tray) {
    layout.tray = {
      yTop: by + B + Math.max(4, 0.03 * A),
      thickness: 0.1 * A,
      rise: 0.06 * F,
      halfFov: Math.max(fovX, fovY) / 2,
    }
  }
  if (o.pacemaker) {
    const cx = 0.5 * A
    const can: Ellipsoid = {
      cx,
      cy: surfaceY(cx) + 12,
      cz: snapZ(zApex - 0.15 * H),
      ax: 24,
      ay: 5,
      az: Math.min(22, 0.3 * H),
    }
    const leads: Vec3[] = [
      [can.cx, can.cy, can.cz],
      [0.25 * A, surfaceY(0.25 * A) + 28, can.cz + 15],
      [-0.08 * A, by - 0.25 * B, zCarina],
      [heart.cx - 0.45 * heart.ax, heart.cy, heart.cz + 0.35 * heart.az],
      [heart.cx + 0.2 * heart.ax, heart.cy - 0.45 * heart.ay, heart.cz - 0.55 * heart.az],
    ]
    const streakAngles = Array.from({ length: 14 }, () => rng.range(0, Math.PI))
    layout.pacemaker = {
      can,
      leads,
      leadR: Math.max(1, 0.5 * Math.min(grid.dx, grid.dy)),
      streakAngles,
      amplitude: o.streakAmplitude,
    }
  }
  if (o.tracheostomy) {
    const r = Math.min(5, trachea.r - 2)
    layout.tracheostomy = {
      x: tx,
      z: snapZ(zTop - 0.04 * H),
      yOut: surfaceY(tx) - 15,
      yIn: ty,
      depth: 25,
      r,
      wall: 1.5,
      flangeY: surfaceY(tx) - 5,
    }
  }
  layout.nodules = placeNodules(layout, o.nodules, rng)
  if (o.abdomenMm > 0) layout.abdomen = placeAbdomen(layout, o)
  return layout
}

/**
 * Liver under the right dome; the stomach under the left one, reaching up into the dome (the
 * painter keeps `diaphragmMm` of tissue between it and the lung) with its gas anterior, as in
 * a supine patient; the colon's splenic flexure beneath the lateral left lung base, the
 * transverse colon running anteriorly to the right below it. Own random stream: the chest of
 * a phantom does not change when its abdomen is added.
 */
function placeAbdomen(L: Layout, o: ResolvedOptions): NonNullable<Layout['abdomen']> {
  const rng = new Rng(deriveSeed(o.seed, 'abdomen'))
  const { ax: A, ay: B, cy: by } = L.body
  const [right, left] = L.lungs
  const H = left.zApex - left.zBase
  const liver: Ellipsoid = {
    cx: right.cx + 0.05 * A,
    cy: by,
    cz: right.zBase + 0.02 * H,
    ax: 0.5 * A,
    ay: 0.75 * B,
    az: right.dome + 0.1 * H,
  }
  const stomach: Ellipsoid = {
    cx: left.cx - rng.jitter(0.08 * A, 0.2),
    cy: left.cy - rng.jitter(0.3 * left.ay, 0.1),
    cz: left.zBase + 0.02 * H,
    ax: rng.jitter(0.26 * A, 0.05),
    ay: rng.jitter(0.42 * left.ay, 0.05),
    az: left.dome + 0.1 * H,
  }
  const level = stomach.cy + rng.range(0.1, 0.3) * stomach.ay
  const r = rng.jitter(0.1 * A, 0.1)
  const zFlexure = left.zBase - r
  const colon = {
    r,
    path: [
      [left.cx + 0.45 * left.ax, left.cy + 0.3 * left.ay, L.grid.z0 - r],
      [left.cx + 0.55 * left.ax, left.cy, zFlexure],
      [left.cx + 0.2 * left.ax, by - 0.6 * B, zFlexure - 0.3 * r],
      [right.cx, by - 0.55 * B, zFlexure - 2 * r],
    ] as Vec3[],
  }
  return { liver, stomach, level, colon, diaphragm: o.diaphragmMm }
}

/** Nodules fully inside an aerated lung, except the first, which touches the lung wall. */
function placeNodules(L: Layout, count: number, rng: Rng): Layout['nodules'] {
  const out: Layout['nodules'] = []
  const aerated = L.lungs.filter((l) => !l.collapsed)
  for (let n = 0; n < count && aerated.length > 0; n++) {
    const juxtapleural = n === 0
    for (let attempt = 0; attempt < 5000; attempt++) {
      const l = rng.pick(aerated)
      const r = rng.range(3, 8)
      const c: Vec3 = [
        rng.range(l.cx - l.ax, l.cx + l.ax),
        rng.range(l.cy - l.ay, l.cy + l.ay),
        rng.range(l.zBase, l.zApex),
      ]
      if (!lungContains(L, l, c[0], c[1], c[2])) continue
      const inside = (dx: number, dy: number, dz: number): boolean => inAeratedLung(L, c[0] + dx, c[1] + dy, c[2] + dz)
      const core = inside(0, r, 0) && inside(0, -r, 0) && inside(0, 0, r) && inside(0, 0, -r)
      const ok = juxtapleural
        ? core && inside(-l.side * r, 0, 0) && !inside(l.side * 1.2 * r, 0, 0)
        : core && inside(r, 0, 0) && inside(-r, 0, 0)
      if (!ok) continue
      out.push({ c, r, juxtapleural })
      break
    }
  }
  return out
}
