/** Dice overlap of two 0/1 masks of one grid: 2|A∩B| / (|A| + |B|); two empty masks agree (1). */
export function dice(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`Masks of different sizes (${a.length} vs ${b.length} voxels).`)
  let both = 0
  let sum = 0
  for (let i = 0; i < a.length; i++) {
    both += a[i]! & b[i]!
    sum += a[i]! + b[i]!
  }
  return sum === 0 ? 1 : (2 * both) / sum
}
