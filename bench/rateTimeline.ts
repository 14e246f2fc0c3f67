/**
 * Scenario 3's run with a timeline: every request enrich sends (bucket, sent, received, status, the rate-limit
 * headers), then per bucket its windows (opened by the answer that says `limit - 1` remaining) and where the time
 * between them goes. A diagnostic, not part of the bench's table.
 *
 * Usage: `NODE_OPTIONS=--conditions=@enrich/source node --import tsx bench/rateTimeline.ts [windowMillis] [limit]`
 */
import * as Contenders from "./Contenders.js"
import * as RateWindows from "./RateWindows.js"
import * as SandboxProcess from "./SandboxProcess.js"

const windowMillis = Number(process.argv[2] ?? 2000)
const limit = Number(process.argv[3] ?? 100)
const accounts = 1000
const { layer: recording, log } = RateWindows.recorder("undici")

const main = async () => {
  const sandbox = await SandboxProcess.start({
    org: { users: accounts },
    rateLimits: { limit, windowMillis },
    concurrencyLimit: 20,
    latencyMillis: 20
  })
  const enrich = await Contenders.enrich({
    url: sandbox.url,
    token: sandbox.token,
    transport: "undici",
    http: recording
  })
  const batch = Array.from({ length: accounts }, (_, n) => Contenders.account("login", n))
  const t0 = Date.now()
  const result = await enrich.batch(batch, 8)
  const wall = Date.now() - t0
  await enrich.close()
  await sandbox.stop()
  const rel = (t: number) => ((t - t0) / 1000).toFixed(3)
  const steady = RateWindows.steady(log, limit, windowMillis)
  const whole = 100 * log.filter((e) => e.status === 200).length / (wall / 1000) / (4 * limit / (windowMillis / 1000))
  console.log(
    `wall ${wall} ms, found ${result.found}, failed ${result.failed}; whole run ${whole.toFixed(1)} %, steady ` +
      `${(100 * steady.share).toFixed(1)} %, ${steady.unusedPerWindow.toFixed(1)} unused per window (${steady.windows})`
  )
  if (process.env.FIRST !== undefined) {
    for (const e of log.filter((e) => e.sent - t0 < Number(process.env.FIRST))) {
      console.log(`${e.bucket} sent ${rel(e.sent)} received ${rel(e.received)} ${e.status} remaining ${e.remaining}`)
    }
  }
  for (const bucket of ["user", "groups", "factors", "roles"]) {
    const entries = log.filter((e) => e.bucket === bucket).sort((a, b) => a.sent - b.sent)
    const statuses = entries.filter((e) => e.status !== 200).length
    console.log(
      `\n${bucket}: ${entries.length} requests, ${statuses} not 200, first sent ${rel(entries[0].sent)}, ` +
        `last received ${rel(entries[entries.length - 1].received)}`
    )
    // Windows: each is opened by the request answered with `limit - 1` remaining.
    const openers = entries.filter((e) => e.remaining === limit - 1)
    let previousEnd = Number.NaN
    for (const opener of openers) {
      const inWindow = entries.filter((e) => e.reset === opener.reset)
      const lastSent = Math.max(...inWindow.map((e) => e.sent))
      const minRemaining = Math.min(...inWindow.map((e) => e.remaining))
      // The window opened when the opener reached the sandbox: between its sending and its answer (minus 20 ms).
      const trueEnd = opener.sent + windowMillis
      console.log(
        `  window opened ${rel(opener.sent)} (gap since the last one's true end ${
          (opener.sent - previousEnd).toFixed(0)
        } ms), reset ${rel(opener.reset)} (true end ${rel(trueEnd)}, rounding ${
          (opener.reset - trueEnd).toFixed(0)
        } ms),` +
          ` ${inWindow.length} requests, last sent ${rel(lastSent)}, unused ${minRemaining}`
      )
      previousEnd = trueEnd
    }
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
