import { useEffect, useRef } from 'react'

/** Key (as `KeyboardEvent.key`, case-sensitive: `a` and `A` differ) → action. */
export type KeyMap = Record<string, (e: KeyboardEvent) => void>

/**
 * Review at keyboard speed: one listener per view, always the latest handlers. Typing in a field
 * never triggers a shortcut, and Escape always leaves a field so the keys work again.
 */
export function useShortcuts(keys: KeyMap, enabled = true): void {
  const ref = useRef(keys)
  useEffect(() => {
    ref.current = keys
  })
  useEffect(() => {
    if (!enabled) return
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null
      const typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)
      if (typing) {
        if (e.key === 'Escape') t.blur()
        return
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return
      const action = ref.current[e.key]
      if (!action) return
      e.preventDefault()
      action(e)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [enabled])
}
