import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { resampledAffine } from './affine'
import { niftiHeader, NIFTI_VOX_OFFSET } from './nifti'

describe('niftiHeader', () => {
  const dir = tempDir()

  it('writes a header nibabel reads back: shape in x, y, z, dtype, both transforms, no text', () => {
    // Volume [z=2, y=3, x=4] with value = its C-order index: nibabel's [x, y, z] must see
    // data[x, y, z] = z·12 + y·4 + x, since the bytes are written x fastest unchanged.
    const vol = Int16Array.from({ length: 24 }, (_, i) => i - 5)
    const affine = resampledAffine({ iop: [1, 0, 0, 0, 1, 0], firstIpp: [-10, 20, 30], lastIpp: [-10, 20, 32.5], shape: [2, 3, 4], spacing: [2.5, 0.5, 0.75] }, [2, 3, 4])
    const head = niftiHeader({ dtype: 'int16', shape: [2, 3, 4], affine, descrip: 'ct-curator 1.0' })
    expect(head.byteLength).toBe(NIFTI_VOX_OFFSET)
    const file = join(dir, 'x.nii')
    writeFileSync(file, Buffer.concat([head, new Uint8Array(vol.buffer)]))
    const out = execFileSync('/usr/bin/python3', [
      '-c',
      `import json, sys, nibabel as nib, numpy as np
img = nib.load(sys.argv[1]); h = img.header
d = np.asanyarray(img.dataobj)
print(json.dumps({"shape": list(d.shape), "dtype": str(d.dtype), "v": int(d[3, 2, 1]), "v0": int(d[0, 0, 0]),
  "sform": h.get_sform().tolist(), "qform": h.get_qform().tolist(), "codes": [int(h["sform_code"]), int(h["qform_code"])],
  "zooms": [float(z) for z in h.get_zooms()], "descrip": h["descrip"].tobytes().decode().rstrip("\\x00"),
  "aux": h["aux_file"].tobytes().decode().rstrip("\\x00"), "intent": h["intent_name"].tobytes().decode().rstrip("\\x00"),
  "units": list(h.get_xyzt_units())}))`,
      file,
    ])
    const r = JSON.parse(out.toString()) as Record<string, unknown>
    expect(r.shape).toEqual([4, 3, 2])
    expect(r.dtype).toBe('int16')
    expect(r.v).toBe(1 * 12 + 2 * 4 + 3 - 5)
    expect(r.v0).toBe(-5)
    const sform = r.sform as number[][]
    const qform = r.qform as number[][]
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        expect(sform[i]![j]).toBeCloseTo(affine.sform[i]![j]!, 5)
        expect(qform[i]![j]).toBeCloseTo(affine.sform[i]![j]!, 5)
      }
    expect(r.codes).toEqual([1, 1])
    expect(r.zooms).toEqual([0.75, 0.5, 2.5])
    expect(r.descrip).toBe('ct-curator 1.0')
    expect(r.aux).toBe('')
    expect(r.intent).toBe('')
    expect(r.units).toEqual(['mm', 'sec'])
  })

  it('refuses text that is not short ASCII', () => {
    const affine = resampledAffine({ iop: null, firstIpp: null, lastIpp: null, shape: [1, 1, 1], spacing: [1, 1, 1] }, [1, 1, 1])
    expect(() => niftiHeader({ dtype: 'uint8', shape: [1, 1, 1], affine, descrip: 'Müller' })).toThrow(/ASCII/)
    expect(() => niftiHeader({ dtype: 'uint8', shape: [1, 1, 1], affine, descrip: 'x'.repeat(80) })).toThrow(/too long/)
  })
})
