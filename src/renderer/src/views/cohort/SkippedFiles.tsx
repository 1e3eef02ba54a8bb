import { useMemo } from 'react'
import type { SkippedFileInfo } from '../../../../shared/api'

/** Files the scan could not use (junk, truncated, not CT, …), per patient folder, with codes. */
export function SkippedFiles(props: { files: SkippedFileInfo[] }): React.JSX.Element | null {
  const byFolder = useMemo(() => {
    const m = new Map<string, SkippedFileInfo[]>()
    for (const f of props.files) m.set(f.folder, [...(m.get(f.folder) ?? []), f])
    return [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]))
  }, [props.files])
  const codes = useMemo(() => {
    const m = new Map<string, number>()
    for (const f of props.files) m.set(f.code, (m.get(f.code) ?? 0) + 1)
    return [...m.entries()].sort((a, b) => b[1] - a[1])
  }, [props.files])
  if (props.files.length === 0) return null
  return (
    <details className="skipped" data-testid="skipped-files">
      <summary>
        {props.files.length} file{props.files.length === 1 ? '' : 's'} skipped by the scan ·{' '}
        {codes.map(([c, n]) => (
          <span key={c} className="code">
            {c} {n}
          </span>
        ))}
      </summary>
      <ul>
        {byFolder.map(([folder, files]) => (
          <li key={folder}>
            <b>{folder || '(root)'}</b>
            <ul>
              {files.map((f) => (
                <li key={f.path} title={f.message}>
                  <span className="mono">{f.path}</span> <span className="code">{f.code}</span> <span className="muted">{f.message}</span>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </details>
  )
}
