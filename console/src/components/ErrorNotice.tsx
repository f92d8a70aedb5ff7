/** An error of the last request, read out when it appears. */
export function ErrorNotice ({ error }: { error: Error | undefined | null }) {
  if (!error) return null
  return <p class="error" role="alert">{error.message}</p>
}
