import { useEffect, useRef } from 'react'

export interface Shortcuts {
  next(): void
  prev(): void
  accept(): void
  reject(): void
  retry(): void
}

const KEYS: Record<string, keyof Shortcuts> = {
  j: 'next',
  ArrowDown: 'next',
  k: 'prev',
  ArrowUp: 'prev',
  a: 'accept',
  r: 'reject',
  c: 'retry',
}

/** Review at keyboard speed; typing in a field never triggers a shortcut. */
export function useShortcuts(handlers: Shortcuts): void {
  const ref = useRef(handlers)
  useEffect(() => {
    ref.current = handlers
  })
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return
      if (e.ctrlKey || e.metaKey || e.altKey) return
      const action = KEYS[e.key]
      if (!action) return
      e.preventDefault()
      ref.current[action]()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}
