import { useState } from 'preact/hooks'

/** Copies `text`; says so in a live region, since the button itself does not change place. */
export function CopyButton ({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState<string>('')
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text)
      setDone('Copied')
    } catch {
      setDone('Copy failed: select the text and copy it')
    }
    setTimeout(() => setDone(''), 2000)
  }
  return (
    <>
      <button type="button" class="small secondary" onClick={copy} aria-label={label}>Copy</button>
      <span class="copy-status" role="status">{done}</span>
    </>
  )
}
