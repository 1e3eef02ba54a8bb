import { readFileSync, readdirSync } from 'node:fs'
import { parseDicom, decodeFrame } from '/work/main/src/main/dicom/pixelData'
const orig = readFileSync('/tmp/scratch/ph/IM-0001-0001.dcm')
const o = parseDicom(orig); const ref = (await decodeFrame(orig, o.dataSet, o.transferSyntaxUid)).pixels
for (const f of readdirSync('/tmp/scratch/t').filter(f => f.endsWith('.dcm'))) {
  const b = readFileSync('/tmp/scratch/t/' + f)
  try {
    const p = parseDicom(b)
    const t0 = performance.now()
    const { pixels, info } = await decodeFrame(b, p.dataSet, p.transferSyntaxUid)
    let max = 0; for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(pixels[i]! - ref[i]!))
    console.log(f.padEnd(14), p.transferSyntaxUid.padEnd(24), pixels.constructor.name, info.bitsStored, info.pixelRepresentation, 'maxdiff', max, (performance.now()-t0).toFixed(1)+'ms')
  } catch (e) { console.log(f, 'ERR', e) }
}
