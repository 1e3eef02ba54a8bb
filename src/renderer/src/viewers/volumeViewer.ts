/**
 * The 3D view: one vtk.js pipeline (image → ray-cast volume mapper → volume, mesh → mapper →
 * actor per surface, crosshair lines) built once per view. React owns only its life through
 * `useViewer`; nothing here lives in React state. Whoever creates a vtk object deletes it:
 * a new volume or surface replaces and deletes the old one, so a case switch leaves no textures
 * or buffers behind.
 */
import '@kitware/vtk.js/Rendering/Profiles/Volume'
import '@kitware/vtk.js/Rendering/Profiles/Geometry'
import vtkActor from '@kitware/vtk.js/Rendering/Core/Actor'
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction'
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray'
import vtkGenericRenderWindow from '@kitware/vtk.js/Rendering/Misc/GenericRenderWindow'
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData'
import vtkMapper from '@kitware/vtk.js/Rendering/Core/Mapper'
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction'
import vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData'
import vtkVolume from '@kitware/vtk.js/Rendering/Core/Volume'
import vtkVolumeMapper from '@kitware/vtk.js/Rendering/Core/VolumeMapper'
import type { SurfaceKind, Vec3, VolumeMeta } from '../../../shared/api'
import { encodeHuCodes, huToCode } from './huCodes'
import { PRESETS, type PresetName } from './presets'

export interface SurfaceData {
  points: Float32Array
  triangles: Uint32Array
}

/** Which run's surface a layer shows: the current run, or the run before a retry. */
export type SurfaceLayer = `${SurfaceKind}` | 'lung-before'

// The current lung surface is opaque (as 3D Slicer shows a segment): a translucent mesh over a
// ray-cast volume costs vtk.js an order-independent-translucency pass, 2–3× the frame time in
// software GL. The run before a retry stays translucent, so the two can be compared.
const LAYER_STYLE: Record<SurfaceLayer, { colour: [number, number, number]; opacity: number }> = {
  lung: { colour: [0.35, 0.6, 1], opacity: 1 },
  'lung-before': { colour: [1, 0.6, 0.2], opacity: 0.45 },
  metal: { colour: [1, 0.85, 0.1], opacity: 1 },
}

export interface VolumeViewer {
  setVolume(meta: VolumeMeta, data: ArrayBuffer): void
  setSurface(layer: SurfaceLayer, surface: SurfaceData | null): void
  showSurface(layer: SurfaceLayer, visible: boolean): void
  setPreset(name: PresetName): void
  /** Crosshair in mm, [z, y, x] (volume axes). */
  setCrosshair(p: Vec3 | null): void
  resetCamera(): void
  /** Draws now; resolves after the frame has reached the canvas. */
  render(): Promise<void>
  /** Follows the container's size; false when it has not changed (nothing to redraw). */
  resize(): boolean
  /** Releases every vtk object and the GL context. */
  dispose(): void
}

export function createVolumeViewer(container: HTMLElement): VolumeViewer {
  const grw = vtkGenericRenderWindow.newInstance({ background: [0.06, 0.07, 0.09] })
  grw.setContainer(container)
  grw.resize()
  let lastSize = `${container.clientWidth}x${container.clientHeight}`
  const renderer = grw.getRenderer()
  const renderWindow = grw.getRenderWindow()

  let image: ReturnType<typeof vtkImageData.newInstance> | null = null
  let volume: ReturnType<typeof vtkVolume.newInstance> | null = null
  let mapper: ReturnType<typeof vtkVolumeMapper.newInstance> | null = null
  let bounds: number[] | null = null
  let preset: PresetName = 'lungs'
  let cameraSet = false
  const surfaces = new Map<SurfaceLayer, { actor: ReturnType<typeof vtkActor.newInstance>; mapper: ReturnType<typeof vtkMapper.newInstance>; poly: ReturnType<typeof vtkPolyData.newInstance> }>()
  const visible = new Map<SurfaceLayer, boolean>()
  let cross: { actor: ReturnType<typeof vtkActor.newInstance>; mapper: ReturnType<typeof vtkMapper.newInstance>; poly: ReturnType<typeof vtkPolyData.newInstance> } | null = null

  const applyPreset = (): void => {
    if (!volume) return
    const p = PRESETS[preset]
    const ctf = vtkColorTransferFunction.newInstance()
    // The volume holds 8-bit codes (huCodes.ts): the control points go where their HU values are coded.
    for (const [hu, r, g, b] of p.colour) ctf.addRGBPoint(huToCode(hu), r, g, b)
    const ofun = vtkPiecewiseFunction.newInstance()
    for (const [hu, o] of p.opacity) ofun.addPoint(huToCode(hu), o)
    const prop = volume.getProperty()
    prop.setRGBTransferFunction(0, ctf)
    prop.setScalarOpacity(0, ofun)
    prop.setScalarOpacityUnitDistance(0, 2)
    prop.setInterpolationTypeToLinear()
    prop.setShade(preset !== 'lungs')
    prop.setAmbient(0.3)
    prop.setDiffuse(0.7)
    prop.setSpecular(0.2)
    // The functions now belong to the property (their lookup textures are keyed by them).
  }

  const resetCamera = (): void => {
    if (!bounds) return
    // Seen from the front, head up: rows run front → back (+y), slices run up the body (+z).
    const cam = renderer.getActiveCamera()
    const c = [(bounds[0]! + bounds[1]!) / 2, (bounds[2]! + bounds[3]!) / 2, (bounds[4]! + bounds[5]!) / 2]
    cam.setFocalPoint(c[0]!, c[1]!, c[2]!)
    cam.setPosition(c[0]!, c[1]! - 1000, c[2]!)
    cam.setViewUp(0, 0, 1)
    renderer.resetCamera(bounds as [number, number, number, number, number, number])
    // resetCamera fits the bounding sphere; the box's corners are empty air, so come closer.
    cam.zoom(1.5)
    renderer.resetCameraClippingRange()
  }

  const viewer: VolumeViewer = {
    setVolume(meta, data) {
      const [nz, ny, nx] = meta.shape
      const next = vtkImageData.newInstance()
      next.setDimensions(nx, ny, nz)
      next.setSpacing([meta.spacing[2], meta.spacing[1], meta.spacing[0]])
      next.setOrigin([meta.origin[2], meta.origin[1], meta.origin[0]])
      if (meta.dtype !== 'int16') throw new Error(`the 3D view shows HU volumes (int16), not ${meta.dtype}`)
      const { codes, min, max } = encodeHuCodes(new Int16Array(data))
      const scalars = vtkDataArray.newInstance({ name: 'HU code', numberOfComponents: 1, values: codes })
      scalars.setRange({ min, max }, 0)
      next.getPointData().setScalars(scalars)
      if (!volume) {
        mapper = vtkVolumeMapper.newInstance()
        mapper.setAutoAdjustSampleDistances(false)
        volume = vtkVolume.newInstance()
        volume.setMapper(mapper)
        renderer.addVolume(volume)
        applyPreset()
      }
      // The quick level samples once per (2 mm) voxel; the full volume every millimetre.
      mapper!.setSampleDistance(meta.level === 2 ? 2.5 : 1.0)
      mapper!.setInputData(next)
      // The old image's texture is released once nothing uses it (vtk.js shares by object).
      image?.delete()
      image = next
      bounds = next.getBounds()
      if (!cameraSet) {
        resetCamera()
        cameraSet = true
      }
    },
    setSurface(layer, surface) {
      const old = surfaces.get(layer)
      if (old) {
        renderer.removeActor(old.actor)
        old.actor.delete()
        old.mapper.delete()
        old.poly.delete()
        surfaces.delete(layer)
      }
      if (!surface || surface.triangles.length === 0) return
      const poly = vtkPolyData.newInstance()
      poly.getPoints().setData(surface.points, 3)
      const nt = surface.triangles.length / 3
      const cells = new Uint32Array(nt * 4)
      for (let t = 0; t < nt; t++) {
        cells[4 * t] = 3
        cells[4 * t + 1] = surface.triangles[3 * t]!
        cells[4 * t + 2] = surface.triangles[3 * t + 1]!
        cells[4 * t + 3] = surface.triangles[3 * t + 2]!
      }
      poly.getPolys().setData(cells)
      const m = vtkMapper.newInstance()
      m.setInputData(poly)
      const actor = vtkActor.newInstance()
      actor.setMapper(m)
      const style = LAYER_STYLE[layer]
      actor.getProperty().setColor(...style.colour)
      actor.getProperty().setOpacity(style.opacity)
      actor.setVisibility(visible.get(layer) ?? layer !== 'lung-before')
      renderer.addActor(actor)
      surfaces.set(layer, { actor, mapper: m, poly })
    },
    showSurface(layer, on) {
      visible.set(layer, on)
      surfaces.get(layer)?.actor.setVisibility(on)
    },
    setPreset(name) {
      preset = name
      applyPreset()
    },
    setCrosshair(p) {
      if (cross) {
        renderer.removeActor(cross.actor)
        cross.actor.delete()
        cross.mapper.delete()
        cross.poly.delete()
        cross = null
      }
      if (!p || !bounds) return
      const [z, y, x] = p
      const b = bounds
      const pts = new Float32Array([b[0]!, y, z, b[1]!, y, z, x, b[2]!, z, x, b[3]!, z, x, y, b[4]!, x, y, b[5]!])
      const poly = vtkPolyData.newInstance()
      poly.getPoints().setData(pts, 3)
      poly.getLines().setData(new Uint32Array([2, 0, 1, 2, 2, 3, 2, 4, 5]))
      const m = vtkMapper.newInstance()
      m.setInputData(poly)
      const actor = vtkActor.newInstance()
      actor.setMapper(m)
      actor.getProperty().setColor(1, 0.9, 0.2)
      actor.getProperty().setLineWidth(1.5)
      renderer.addActor(actor)
      cross = { actor, mapper: m, poly }
    },
    resetCamera,
    render() {
      renderWindow.render()
      // The frame is on the canvas once the browser has composited it.
      return new Promise((ok) => requestAnimationFrame(() => ok()))
    },
    resize() {
      // Layout settling around the view (side panel, banners) reports resizes of the same size:
      // each would cost a full ray cast for nothing.
      const size = `${container.clientWidth}x${container.clientHeight}`
      if (size === lastSize) return false
      lastSize = size
      grw.resize()
      return true
    },
    dispose() {
      for (const layer of [...surfaces.keys()]) viewer.setSurface(layer, null)
      viewer.setCrosshair(null)
      if (volume) renderer.removeVolume(volume)
      volume?.delete()
      mapper?.delete()
      image?.delete()
      volume = null
      mapper = null
      image = null
      const glWindow = grw.getApiSpecificRenderWindow() as unknown as {
        get3DContext?: () => WebGL2RenderingContext | null
        releaseGraphicsResources?: () => void
      }
      const gl = glWindow.get3DContext?.()
      glWindow.releaseGraphicsResources?.()
      grw.delete()
      // Give the context back now rather than when the page's garbage collector gets to it.
      gl?.getExtension('WEBGL_lose_context')?.loseContext()
      container.replaceChildren()
    },
  }
  return viewer
}
