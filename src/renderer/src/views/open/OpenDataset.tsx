import { useEffect, useState } from 'react'
import type { FolderCheck, RecentDataset } from '../../../../shared/api'
import { api, transport } from '../../api'

/**
 * The first screen: choose a root folder (typed, or the native dialog in the desktop app) and
 * its database, or reopen a recent dataset. Opening scans the folder and starts processing.
 */
export function OpenDataset(props: { onOpened(): void; onError(m: string): void; compact?: boolean }): React.JSX.Element {
  const [root, setRoot] = useState('')
  const [db, setDb] = useState('')
  const [dbEdited, setDbEdited] = useState(false)
  const [check, setCheck] = useState<FolderCheck | null>(null)
  const [recent, setRecent] = useState<RecentDataset[]>([])
  const [process, setProcess] = useState(true)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    api.listRecentDatasets().then(setRecent, () => undefined)
  }, [])

  // The folder is checked as it is typed (debounced), so mistakes show before Open.
  useEffect(() => {
    const path = root.trim()
    if (!path) return
    let live = true
    const t = setTimeout(() => {
      api.inspectFolder({ path }).then(
        (c) => {
          if (!live) return
          setCheck(c)
          if (!dbEdited) setDb(c.suggestedDb)
        },
        () => undefined,
      )
    }, 200)
    return () => {
      live = false
      clearTimeout(t)
    }
  }, [root, dbEdited])

  const open = async (r: string, d?: string): Promise<void> => {
    setBusy(true)
    try {
      await api.openDataset({ root: r, db: d || undefined, process })
      props.onOpened()
    } catch (e) {
      props.onError((e as Error).message)
    }
    setBusy(false)
  }

  const shown = root.trim() ? check : null
  const ok = shown !== null && shown.isDirectory && shown.readable
  return (
    <section className={`open-dataset${props.compact ? ' compact' : ''}`} aria-label="Open a dataset">
      <h2>Open a dataset</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (ok) void open(root.trim(), db.trim())
        }}
      >
        <label>
          Folder of patient folders
          <div className="row">
            <input
              aria-label="Root folder"
              placeholder="/data/lidc-idri"
              value={root}
              onChange={(e) => setRoot(e.target.value)}
              aria-invalid={shown?.problem ? true : undefined}
              autoFocus
            />
            {transport === 'ipc' && (
              <button
                type="button"
                onClick={() =>
                  void api.pickFolder().then(
                    (p) => p && setRoot(p),
                    (e: Error) => props.onError(e.message),
                  )
                }
              >
                Browse…
              </button>
            )}
          </div>
        </label>
        <p className={`check ${shown?.problem ? 'bad' : 'ok'}`} role="status">
          {!shown ? 'Never written to: the database and the cache go beside it.' : shown.problem ?? `${shown.entries} entries in ${shown.path}`}
        </p>
        <label>
          Database
          <input
            aria-label="Database file"
            placeholder="<folder>/../<name>.ctc.sqlite"
            value={db}
            onChange={(e) => {
              setDb(e.target.value)
              setDbEdited(true)
            }}
          />
        </label>
        {shown && !dbEdited && <p className="muted">{shown.suggestedDbExists ? 'Reopens the existing database (results kept).' : 'A new database is created there.'}</p>}
        <label className="inline">
          <input type="checkbox" checked={process} onChange={(e) => setProcess(e.target.checked)} /> Process every scan after scanning
        </label>
        <button type="submit" disabled={!ok || busy}>
          {busy ? 'Scanning…' : 'Open'}
        </button>
      </form>
      {recent.length > 0 && (
        <div className="recent">
          <h3>Recent datasets</h3>
          <ul>
            {recent.map((r) => (
              <li key={`${r.root}|${r.db}`}>
                <button disabled={!r.available || busy} onClick={() => void open(r.root, r.db)} title={`${r.root}\n${r.db}`}>
                  {r.root.split(/[\\/]/).filter(Boolean).pop() ?? r.root}
                </button>
                <span className="muted">
                  {r.root} · {r.available ? new Date(r.openedAt).toLocaleString() : 'missing'}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  )
}
