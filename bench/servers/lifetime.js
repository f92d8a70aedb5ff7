// Preloaded (`node --import ./bench/servers/lifetime.js …`) into every server the benchmark
// starts, hookhub included, so that no server outlives the run even if the runner dies:
// each stops by itself after BENCH_LIFETIME_MS, or as soon as the runner's end of its stdin
// pipe closes. Plain JavaScript so that hookhub's own start (bin/hookhub.js) stays untouched.
const lifetimeMs = Number(process.env.BENCH_LIFETIME_MS ?? 600_000)

function stop () {
  // SIGTERM first so hookhub closes its database cleanly; a hard exit if that takes too long.
  setTimeout(() => process.exit(0), 2_000).unref()
  process.kill(process.pid, 'SIGTERM')
}

setTimeout(stop, lifetimeMs).unref()
process.stdin.on('end', stop).on('error', stop).resume()
// Unreferenced, so that a child that finishes (a command that fails before it listens) exits
// instead of waiting on stdin for its lifetime.
process.stdin.unref()
