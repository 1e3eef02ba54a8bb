/**
 * The benchmark's reference page (`/bare.html?scan=<id>`): no React and no app code, only
 * vtk.js ray-casting the scan's full-resolution volume with the lungs preset's transfer
 * function, fetched as binary from the same web host. It marks `bare:full-frame` when the
 * first frame is drawn; the case view's marks are compared with it.
 */
import '@kitware/vtk.js/Rendering/Profiles/Volume'
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction'
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray'
import vtkGenericRenderWindow from '@kitware/vtk.js/Rendering/Misc/GenericRenderWindow'
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData'
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction'
import vtkVolume from '@kitware/vtk.js/Rendering/Core/Volume'
import vtkVolumeMapper from '@kitware/vtk.js/Rendering/Core/VolumeMapper'
import { PRESETS } from './viewers/presets'

const q = new URLSearchParams(location.search)
const id = Number(q.get('scan') ?? 1)
// The same canvas size as the app's 3D view (the bench passes it): ray casting costs per pixel.
const view = document.getElementById('view')!
if (q.get('w')) Object.assign(view.style, { width: `${q.get('w')}px`, height: `${q.get('h')}px`, inset: 'auto' })
const res = await fetch('/api/getVolume', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ arg: { id, kind: 'ct' } }) })
const meta = JSON.parse(decodeURIComponent(res.headers.get('x-ctc-meta') ?? '{}')) as { shape: number[]; spacing: number[] }
const data = new Int16Array(await res.arrayBuffer())
const grw = vtkGenericRenderWindow.newInstance({ background: [0.06, 0.07, 0.09] })
grw.setContainer(view)
grw.resize()
const image = vtkImageData.newInstance()
image.setDimensions(meta.shape[2]!, meta.shape[1]!, meta.shape[0]!)
image.setSpacing([meta.spacing[2]!, meta.spacing[1]!, meta.spacing[0]!])
image.getPointData().setScalars(vtkDataArray.newInstance({ name: 'HU', numberOfComponents: 1, values: data }))
const mapper = vtkVolumeMapper.newInstance()
mapper.setAutoAdjustSampleDistances(false)
mapper.setSampleDistance(1.0)
mapper.setInputData(image)
const volume = vtkVolume.newInstance()
volume.setMapper(mapper)
const ctf = vtkColorTransferFunction.newInstance()
for (const [hu, r, g, b] of PRESETS.lungs.colour) ctf.addRGBPoint(hu, r, g, b)
const ofun = vtkPiecewiseFunction.newInstance()
for (const [hu, o] of PRESETS.lungs.opacity) ofun.addPoint(hu, o)
volume.getProperty().setRGBTransferFunction(0, ctf)
volume.getProperty().setScalarOpacity(0, ofun)
volume.getProperty().setScalarOpacityUnitDistance(0, 2)
volume.getProperty().setInterpolationTypeToLinear()
const renderer = grw.getRenderer()
renderer.addVolume(volume)
renderer.resetCamera()
grw.getRenderWindow().render()
requestAnimationFrame(() => performance.mark('bare:full-frame'))
