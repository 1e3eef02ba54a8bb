/**
 * DICOM UIDs for phantom series: `2.25.<decimal of a 128-bit number>` (the UUID-derived root of
 * PS3.5 B.2), at most 44 characters, no leading zeros. They are drawn from a 128-bit-state
 * generator (sfc32) seeded from a label, so a phantom's UIDs are reproducible from its options
 * yet distinct across patients and seeds.
 */

/** Identifies the software that wrote the files (ImplementationClassUID); fixed for CT Curator. */
export const IMPLEMENTATION_CLASS_UID = '2.25.305348955392061199917851538412403976133'
export const IMPLEMENTATION_VERSION_NAME = 'CTCURATOR_PH_1'

/** cyrb128: four 32-bit hashes of a string, used as the 128-bit seed of sfc32. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}

export class UidSource {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(label: string) {
    const [a, b, c, d] = cyrb128(label)
    this.a = a
    this.b = b
    this.c = c
    this.d = d
    for (let i = 0; i < 16; i++) this.nextU32()
  }

  /** sfc32 step. */
  private nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  next(): string {
    let n = 0n
    for (let i = 0; i < 4; i++) n = (n << 32n) | BigInt(this.nextU32())
    return `2.25.${n.toString()}`
  }
}

/** True for a syntactically valid UID: ≤ 64 chars, numeric components, no leading zeros. */
export function isValidUid(uid: string): boolean {
  return uid.length <= 64 && /^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/.test(uid)
}
