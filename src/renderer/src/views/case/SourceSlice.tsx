import { useEffect, useRef, useState } from 'react'
import type { SourceSliceMeta } from '../../../../shared/api'
import { loadBinary } from '../../api'

/** The chosen series' first slice, lung window, for a scan that has no volume to show. */
export function SourceSlice(props: { scanId: number }): React.JSX.Element {
  const canvas = useRef<HTMLCanvasElement | null>(null)
  const [meta, setMeta] = useState<SourceSliceMeta | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    const ac = new AbortController()
    loadBinary('getSourceSlice', { id: props.scanId }, ac.signal).then(
      (s) => {
        const c = canvas.current
        if (!c) return
        const { rows, columns, pixelSpacing } = s.meta
        c.width = columns
        c.height = rows
        // Square pixels on screen: the element's aspect follows the pixel spacing.
        c.style.aspectRatio = `${columns * pixelSpacing[1]} / ${rows * pixelSpacing[0]}`
        const hu = new Int16Array(s.data)
        const ctx = c.getContext('2d')!
        const img = ctx.createImageData(columns, rows)
        for (let i = 0; i < hu.length; i++) {
          const g = Math.max(0, Math.min(255, Math.round(((hu[i]! + 1000) / 1400) * 255)))
          img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g
          img.data[4 * i + 3] = 255
        }
        ctx.putImageData(img, 0, 0)
        setMeta(s.meta)
      },
      (e: Error) => !ac.signal.aborted && setError(e.message),
    )
    return () => ac.abort()
  }, [props.scanId])
  return (
    <figure className="source-slice">
      <canvas ref={canvas} hidden={!meta} />
      <figcaption>
        {meta ? `First slice of the chosen series: ${meta.file} (${meta.columns}×${meta.rows}, lung window)` : error ? `The first slice cannot be shown: ${error}` : 'Loading the first slice…'}
      </figcaption>
    </figure>
  )
}
