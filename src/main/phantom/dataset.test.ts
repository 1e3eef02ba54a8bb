import dicomParser from 'dicom-parser'
import { describe, expect, it } from 'vitest'
import { CT_IMAGE_STORAGE, EXPLICIT_VR_LITTLE_ENDIAN, encodeSliceFile, formatDS, type SeriesHeader } from './dataset'
import { resolveOptions } from './options'
import { storageInfo } from './storage'
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './uid'

function header(extra: Partial<SeriesHeader> = {}): SeriesHeader {
  return {
    patientId: 'P1',
    patientName: 'Doe^Jane',
    birthDate: '19600102',
    patientSex: 'F',
    studyDate: '20160305',
    studyTime: '101500',
    seriesTime: '101900',
    studyUid: '2.25.1',
    seriesUid: '2.25.2',
    frameOfReferenceUid: '2.25.3',
    seriesNumber: 2,
    rows: 2,
    cols: 3,
    pixelSpacing: [0.7, 0.75],
    sliceThickness: 2.5,
    storage: storageInfo(resolveOptions({})),
    declarePadding: true,
    omitSliceLocation: false,
    implementationClassUid: IMPLEMENTATION_CLASS_UID,
    implementationVersionName: IMPLEMENTATION_VERSION_NAME,
    ...extra,
  }
}

const pixels = Int16Array.from([-2000, 0, 24, 1064, 4095, -1])

describe('formatDS', () => {
  it('fits 16 characters', () => {
    expect(formatDS(0.1 + 0.2)).toBe('0.3')
    expect(formatDS(-178.85)).toBe('-178.85')
    expect(formatDS(-0)).toBe('0')
    expect(formatDS(1 / 3).length).toBeLessThanOrEqual(16)
    expect(Number(formatDS(-123.456789012345))).toBeCloseTo(-123.456789012345, 8)
  })
})

describe('encodeSliceFile', () => {
  it('writes a Part 10 CT image with the geometry, rescale and pixels we gave it', () => {
    const bytes = encodeSliceFile(header(), {
      sopInstanceUid: '2.25.4',
      instanceNumber: 7,
      position: [-10.5, -20, -33.25],
      pixels,
    })
    expect(String.fromCharCode(...bytes.subarray(128, 132))).toBe('DICM')
    const ds = dicomParser.parseDicom(bytes)
    expect(ds.string('x00020010')).toBe(EXPLICIT_VR_LITTLE_ENDIAN)
    expect(ds.string('x00080016')).toBe(CT_IMAGE_STORAGE)
    expect(ds.string('x00080018')).toBe('2.25.4')
    expect(ds.string('x00080060')).toBe('CT')
    expect(ds.string('x00080070')).toBe('CT Curator Phantom')
    expect(ds.string('x00180015')).toBe('CHEST')
    expect(ds.string('x00200013')).toBe('7')
    expect(ds.string('x00200032')).toBe('-10.5\\-20\\-33.25')
    expect(ds.string('x00200037')).toBe('1\\0\\0\\0\\1\\0')
    expect(ds.string('x00201041')).toBe('-33.25')
    expect(ds.string('x00280030')).toBe('0.7\\0.75')
    expect(ds.uint16('x00280010')).toBe(2)
    expect(ds.uint16('x00280011')).toBe(3)
    expect(ds.uint16('x00280103')).toBe(1)
    expect(ds.elements.x00280120?.vr).toBe('SS')
    expect(ds.int16('x00280120')).toBe(-2000)
    expect(ds.string('x00281052')).toBe('-1024')
    expect(ds.string('x00281053')).toBe('1')
    const el = ds.elements.x7fe00010!
    expect(Array.from(new Int16Array(bytes.slice(el.dataOffset, el.dataOffset + el.length).buffer))).toEqual(
      Array.from(pixels),
    )
  })

  it('leaves out SliceLocation and padding on request, and writes unsigned padding as US', () => {
    const plain = dicomParser.parseDicom(
      encodeSliceFile(header({ omitSliceLocation: true, declarePadding: false }), {
        sopInstanceUid: '2.25.5',
        instanceNumber: 1,
        position: [0, 0, 0],
        pixels,
      }),
    )
    expect(plain.elements.x00201041).toBeUndefined()
    expect(plain.elements.x00280120).toBeUndefined()
    const unsigned = dicomParser.parseDicom(
      encodeSliceFile(header({ storage: storageInfo(resolveOptions({ storage: 'uint16' })) }), {
        sopInstanceUid: '2.25.6',
        instanceNumber: 1,
        position: [0, 0, 0],
        pixels: Uint16Array.from([0, 1, 2, 3, 4, 5]),
      }),
    )
    expect(unsigned.elements.x00280120?.vr).toBe('US')
    expect(unsigned.uint16('x00280101')).toBe(12)
    expect(unsigned.uint16('x00280102')).toBe(11)
    expect(unsigned.uint16('x00280103')).toBe(0)
  })
})
