/**
 * One orthogonal slice view (axial, coronal or sagittal) of the case's volume, drawn on a 2D
 * canvas: window/level through a lookup table, the lung mask as a translucent tint, a crosshair
 * shared with the other views. Voxels are drawn at their true spacing, so they are square on
 * screen whatever the grid. Mouse: click/drag sets the crosshair, right- or shift-drag sets the
 * window, the wheel scrolls slices; keys when focused: ↑/↓, PgUp/PgDn.
 */
import type { Vec3, VolumeMeta } from '../../../shared/api'
import { MASK_TINT } from './presets'

export type Plane = 'axial' | 'coronal' | 'sagittal'

export interface SliceViewerEvents {
  /** The user moved the crosshair (mm, [z, y, x]). */
  onCrosshair(p: Vec3): void
  onWindow(width: number, level: number): void
}

export interface SliceViewer {
  setVolume(meta: VolumeMeta, data: Int16Array): void
  /** @param rgb tint of the mask (blue for the current run, orange for the run before a retry) */
  setMask(meta: VolumeMeta | null, data: Uint8Array | null, rgb?: [number, number, number]): void
  showMask(on: boolean): void
  setWindow(width: number, level: number): void
  setCrosshair(p: Vec3): void
  dispose(): void
}

const LABELS: Record<Plane, { left: string; right: string; top: string; bottom: string }> = {
  axial: { left: 'R', right: 'L', top: 'A', bottom: 'P' },
  coronal: { left: 'R', right: 'L', top: 'S', bottom: 'I' },
  sagittal: { left: 'A', right: 'P', top: 'S', bottom: 'I' },
}
/** The volume axis ([z, y, x] index) each plane scrolls along. */
const NORMAL: Record<Plane, 0 | 1 | 2> = { axial: 0, coronal: 1, sagittal: 2 }
const MASK_ALPHA = 0.38

export function createSliceViewer(container: HTMLElement, plane: Plane, events: SliceViewerEvents): SliceViewer {
  const canvas = document.createElement('canvas')
  canvas.className = 'slice-canvas'
  container.appendChild(canvas)
  const ctx = canvas.getContext('2d')!
  const off = document.createElement('canvas')
  const offCtx = off.getContext('2d')!
  let meta: VolumeMeta | null = null
  let vol: Int16Array | null = null
  let maskMeta: VolumeMeta | null = null
  let mask: Uint8Array | null = null
  let maskOn = true
  let maskRgb = MASK_TINT
  let width = 1400
  let level = -300
  let cross: Vec3 = [0, 0, 0]
  const lut = new Uint8Array(65536)
  let lutKey = ''
  let frame = 0
  // Where the slice was last drawn (CSS px), to map the mouse back to millimetres.
  let view = { x: 0, y: 0, scale: 1, cols: 0, rows: 0 }

  const buildLut = (): void => {
    const key = `${width}/${level}`
    if (key === lutKey) return
    lutKey = key
    const lo = level - width / 2
    for (let v = -32768; v < 32768; v++) {
      const t = (v - lo) / width
      lut[v + 32768] = t <= 0 ? 0 : t >= 1 ? 255 : Math.round(t * 255)
    }
  }

  /** Voxel index of the crosshair on one axis of the loaded level. */
  const index = (axis: 0 | 1 | 2): number => {
    const m = meta!
    return Math.max(0, Math.min(m.shape[axis] - 1, Math.round((cross[axis] - m.origin[axis]) / m.spacing[axis])))
  }

  /** The slice's size in voxels, [cols, rows], and in millimetres. */
  const dims = (): { cols: number; rows: number; w: number; h: number } => {
    const [nz, ny, nx] = meta!.shape
    const [sz, sy, sx] = meta!.spacing
    if (plane === 'axial') return { cols: nx, rows: ny, w: nx * sx, h: ny * sy }
    if (plane === 'coronal') return { cols: nx, rows: nz, w: nx * sx, h: nz * sz }
    return { cols: ny, rows: nz, w: ny * sy, h: nz * sz }
  }

  const draw = (): void => {
    frame = 0
    const rect = container.getBoundingClientRect()
    const dpr = window.devicePixelRatio || 1
    const cw = Math.max(1, Math.round(rect.width * dpr))
    const ch = Math.max(1, Math.round(rect.height * dpr))
    if (canvas.width !== cw || canvas.height !== ch) {
      canvas.width = cw
      canvas.height = ch
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
    ctx.fillStyle = '#000'
    ctx.fillRect(0, 0, rect.width, rect.height)
    if (!meta || !vol) return
    buildLut()
    const { cols, rows, w, h } = dims()
    const [nz, ny, nx] = meta.shape
    if (off.width !== cols || off.height !== rows) {
      off.width = cols
      off.height = rows
    }
    const img = offCtx.createImageData(cols, rows)
    const px = img.data
    const useMask = maskOn && mask && maskMeta && maskMeta.shape.every((n, a) => n === meta!.shape[a])
    const k = index(0)
    const j = index(1)
    const i = index(2)
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        // Coronal and sagittal put the top of the body (the last slice) at the top.
        const v =
          plane === 'axial' ? (k * ny + r) * nx + c : plane === 'coronal' ? ((nz - 1 - r) * ny + j) * nx + c : ((nz - 1 - r) * ny + c) * nx + i
        const g = lut[vol[v]! + 32768]!
        const o = 4 * (r * cols + c)
        if (useMask && mask![v]) {
          px[o] = g + (maskRgb[0]! - g) * MASK_ALPHA
          px[o + 1] = g + (maskRgb[1]! - g) * MASK_ALPHA
          px[o + 2] = g + (maskRgb[2]! - g) * MASK_ALPHA
        } else {
          px[o] = px[o + 1] = px[o + 2] = g
        }
        px[o + 3] = 255
      }
    }
    offCtx.putImageData(img, 0, 0)
    const scale = Math.min(rect.width / w, rect.height / h)
    const dw = w * scale
    const dh = h * scale
    const x0 = (rect.width - dw) / 2
    const y0 = (rect.height - dh) / 2
    view = { x: x0, y: y0, scale, cols, rows }
    ctx.imageSmoothingEnabled = true
    ctx.drawImage(off, x0, y0, dw, dh)
    // Crosshair: the other two planes through this one.
    const [cz, cy, cx] = cross
    const top = meta.origin[0] + (nz - 1) * meta.spacing[0]
    const hx = plane === 'sagittal' ? cy : cx
    const vy = plane === 'axial' ? cy : top - cz
    const half = (axis: 0 | 1 | 2): number => meta!.spacing[axis] / 2
    const sx = x0 + (hx - (plane === 'sagittal' ? meta.origin[1] - half(1) : meta.origin[2] - half(2))) * scale
    const sy = y0 + (vy - (plane === 'axial' ? meta.origin[1] - half(1) : -half(0))) * scale
    ctx.strokeStyle = 'rgba(255, 220, 60, 0.8)'
    ctx.lineWidth = 1
    ctx.beginPath()
    ctx.moveTo(x0, sy)
    ctx.lineTo(x0 + dw, sy)
    ctx.moveTo(sx, y0)
    ctx.lineTo(sx, y0 + dh)
    ctx.stroke()
    ctx.fillStyle = 'rgba(255,255,255,0.85)'
    ctx.font = '12px system-ui, sans-serif'
    const L = LABELS[plane]
    ctx.fillText(L.left, x0 + 4, y0 + dh / 2)
    ctx.fillText(L.right, x0 + dw - 12, y0 + dh / 2)
    ctx.fillText(L.top, x0 + dw / 2, y0 + 14)
    ctx.fillText(L.bottom, x0 + dw / 2, y0 + dh - 4)
    const n = NORMAL[plane]
    ctx.fillText(`${plane} ${index(n) + 1}/${meta.shape[n]}  W ${Math.round(width)} L ${Math.round(level)}`, 6, rect.height - 6)
  }

  const schedule = (): void => {
    if (!frame) frame = requestAnimationFrame(draw)
  }

  /** Mouse position (CSS px in the canvas) → millimetres, keeping the plane's own coordinate. */
  const toMm = (mx: number, my: number): Vec3 => {
    const m = meta!
    const [nz] = m.shape
    const u = (mx - view.x) / view.scale // mm from the slice's left edge
    const v = (my - view.y) / view.scale // mm from its top edge
    const top = m.origin[0] + (nz - 1) * m.spacing[0] + m.spacing[0] / 2
    const clamp = (x: number, axis: 0 | 1 | 2): number =>
      Math.max(m.origin[axis], Math.min(m.origin[axis] + (m.shape[axis] - 1) * m.spacing[axis], x))
    const [cz, cy, cx] = cross
    if (plane === 'axial') return [cz, clamp(m.origin[1] - m.spacing[1] / 2 + v, 1), clamp(m.origin[2] - m.spacing[2] / 2 + u, 2)]
    if (plane === 'coronal') return [clamp(top - v, 0), cy, clamp(m.origin[2] - m.spacing[2] / 2 + u, 2)]
    return [clamp(top - v, 0), clamp(m.origin[1] - m.spacing[1] / 2 + u, 1), cx]
  }

  const step = (d: number): void => {
    if (!meta) return
    const n = NORMAL[plane]
    const next = [...cross] as Vec3
    const lo = meta.origin[n]
    const hi = lo + (meta.shape[n] - 1) * meta.spacing[n]
    next[n] = Math.max(lo, Math.min(hi, cross[n] + d * meta.spacing[n]))
    events.onCrosshair(next)
  }

  let drag: { mode: 'cross' | 'window'; x: number; y: number; width: number; level: number } | null = null
  const onDown = (e: PointerEvent): void => {
    if (!meta) return
    container.focus()
    const r = canvas.getBoundingClientRect()
    const windowing = e.button === 2 || e.shiftKey
    drag = { mode: windowing ? 'window' : 'cross', x: e.clientX, y: e.clientY, width, level }
    canvas.setPointerCapture(e.pointerId)
    if (!windowing) events.onCrosshair(toMm(e.clientX - r.left, e.clientY - r.top))
  }
  const onMove = (e: PointerEvent): void => {
    if (!drag || !meta) return
    if (drag.mode === 'cross') {
      const r = canvas.getBoundingClientRect()
      events.onCrosshair(toMm(e.clientX - r.left, e.clientY - r.top))
    } else {
      const w = Math.max(1, drag.width * Math.exp((e.clientX - drag.x) / 200))
      const l = drag.level + (e.clientY - drag.y) * 2
      events.onWindow(w, l)
    }
  }
  const onUp = (): void => {
    drag = null
  }
  const onWheel = (e: WheelEvent): void => {
    e.preventDefault()
    step((e.deltaY < 0 ? 1 : -1) * (e.shiftKey ? 5 : 1))
  }
  const onKey = (e: KeyboardEvent): void => {
    const d = e.key === 'ArrowUp' ? 1 : e.key === 'ArrowDown' ? -1 : e.key === 'PageUp' ? 10 : e.key === 'PageDown' ? -10 : 0
    if (!d) return
    // Scrolling this view is not "next scan".
    e.preventDefault()
    e.stopPropagation()
    step(d)
  }
  const onContext = (e: Event): void => e.preventDefault()
  canvas.addEventListener('pointerdown', onDown)
  canvas.addEventListener('pointermove', onMove)
  canvas.addEventListener('pointerup', onUp)
  canvas.addEventListener('wheel', onWheel, { passive: false })
  canvas.addEventListener('contextmenu', onContext)
  container.addEventListener('keydown', onKey)
  const resize = new ResizeObserver(schedule)
  resize.observe(container)

  return {
    setVolume(m, data) {
      meta = m
      vol = data
      schedule()
    },
    setMask(m, data, rgb = MASK_TINT) {
      maskMeta = m
      mask = data
      maskRgb = rgb
      schedule()
    },
    showMask(on) {
      maskOn = on
      schedule()
    },
    setWindow(w, l) {
      width = w
      level = l
      schedule()
    },
    setCrosshair(p) {
      cross = p
      schedule()
    },
    dispose() {
      if (frame) cancelAnimationFrame(frame)
      resize.disconnect()
      container.removeEventListener('keydown', onKey)
      canvas.remove()
      vol = null
      mask = null
    },
  }
}
