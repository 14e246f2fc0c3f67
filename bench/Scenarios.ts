/**
 * The five scenarios of the benchmarks (issue 6). Each returns table rows and the raw figures for the JSON file.
 */
import * as Enricher from "@enrich/core/Enricher"
import * as EnrichmentCache from "@enrich/core/EnrichmentCache"
import * as Indicator from "@enrich/core/Indicator"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Contenders from "./Contenders.js"
import { capped, gc, peakMemory, timed } from "./Measure.js"
import * as MemoryOkta from "./MemoryOkta.js"
import * as RateWindows from "./RateWindows.js"
import type { Row } from "./Report.js"
import * as SandboxProcess from "./SandboxProcess.js"

/** Sizes of a run (`--quick` shrinks them). */
export interface Sizes {
  readonly overheadAccounts: number
  readonly warmupAccounts: number
  readonly latencyAccounts: number
  readonly latencyMillis: number
  readonly rateAccounts: number
  readonly rateLimit: number
  readonly rateWindowMillis: number
  readonly rateConcurrencyLimit: number
  /** Time cap of one contender's run in scenario 3 (the SDK's retries can take long). */
  readonly capMillis: number
  /** Also run enrich at the same rate in windows 5 times longer. */
  readonly longerWindows: boolean
  readonly coalesced: number
  readonly cacheHitLookups: number
  readonly cacheEntries: number
  /** Entries made through the real client and provider; the rest are fresh decodes of their JSON. */
  readonly cacheTemplates: number
  readonly bigGroups: number
  /** Lookups of the big account per contender (the median wall time is reported). */
  readonly bigRepeats: number
}

/** The full run. */
export const full: Sizes = {
  overheadAccounts: 5000,
  warmupAccounts: 300,
  latencyAccounts: 100,
  latencyMillis: 20,
  rateAccounts: 1000,
  rateLimit: 100,
  rateWindowMillis: 2000,
  rateConcurrencyLimit: 20,
  capMillis: 120_000,
  longerWindows: true,
  coalesced: 1000,
  cacheHitLookups: 200_000,
  cacheEntries: 100_000,
  cacheTemplates: 1000,
  bigGroups: 5000,
  bigRepeats: 5
}

/** `--quick`: the same scenarios, smaller, under a minute. */
export const quick: Sizes = {
  overheadAccounts: 300,
  warmupAccounts: 100,
  latencyAccounts: 8,
  latencyMillis: 20,
  rateAccounts: 100,
  rateLimit: 100,
  rateWindowMillis: 2000,
  rateConcurrencyLimit: 20,
  capMillis: 6_000,
  longerWindows: false,
  coalesced: 1000,
  cacheHitLookups: 10_000,
  cacheEntries: 10_000,
  cacheTemplates: 100,
  bigGroups: 5000,
  bigRepeats: 3
}

/** What every scenario is given. */
export interface Context {
  readonly sizes: Sizes
  readonly transport: Contenders.Transport
  readonly log: (line: string) => void
}

/** A scenario's outcome. */
export interface Outcome {
  readonly rows: ReadonlyArray<Row>
  readonly details: Record<string, unknown>
}

const range = (from: number, count: number): ReadonlyArray<number> => Array.from({ length: count }, (_, i) => from + i)

const requestsSent = (counters: SandboxProcess.Counters): number => counters.requests

/** The Okta client's counters (requests, 429s, retries, waits), without the per-bucket states. */
const clientStats = (contender: Contenders.EnrichContender) =>
  contender.runtime.runPromise(Effect.flatMap(OktaClient.OktaClient, (client) =>
    client.stats === undefined
      ? Effect.succeed(undefined)
      : Effect.map(client.stats, ({ buckets: _, ...counters }) => counters)))

// ---------------------------------------------------------------------------------------------------------------
// 1. Overhead
// ---------------------------------------------------------------------------------------------------------------

/**
 * 1. Overhead: distinct accounts (by login) against a sandbox without limits or latency, 8 at a time. Users
 * `1..warmup` warm each contender up (JIT), users after them are measured; user 0 is the big account of scenario 5.
 */
export const overhead = async (ctx: Context, sandbox: SandboxProcess.SandboxProcess): Promise<Outcome> => {
  const { overheadAccounts, warmupAccounts } = ctx.sizes
  const warmup = range(1, warmupAccounts).map((n) => Contenders.account("login", n))
  const measured = range(1 + warmupAccounts, overheadAccounts).map((n) => Contenders.account("login", n))
  const concurrency = 8
  const details: Record<string, unknown> = {}

  const run = async (key: string, make: () => Promise<Contenders.Contender>) => {
    const contender = await make()
    await contender.batch(warmup, concurrency)
    // A fresh contender for the measured run: same JIT state, empty cache.
    await contender.close()
    const fresh = await make()
    gc()
    await sandbox.resetCounters()
    const { cpuMs, value, wallMs } = await timed(() => fresh.batch(measured, concurrency))
    const counters = await sandbox.counters()
    const stats = "runtime" in fresh ? await clientStats(fresh as Contenders.EnrichContender) : undefined
    await fresh.close()
    const figures = {
      wallMs,
      cpuMs,
      requests: requestsSent(counters),
      requestsPerAccount: requestsSent(counters) / measured.length,
      found: value.found,
      failed: value.failed,
      firstError: value.firstError,
      rateLimited: counters.rateLimited,
      peakConcurrency: counters.peakConcurrency,
      ...(stats === undefined ? {} : { clientStats: stats })
    }
    details[key] = figures
    ctx.log(
      `  ${fresh.name}: ${(wallMs / 1000).toFixed(2)} s wall, ${(cpuMs / 1000).toFixed(2)} s CPU, ` +
        `${figures.requestsPerAccount.toFixed(2)} requests/account, ${value.found} found, ${value.failed} failed`
    )
    return figures
  }

  const other: Contenders.Transport = ctx.transport === "undici" ? "fetch" : "undici"
  const url = sandbox.url
  const token = sandbox.token
  const a = await run("enrich", () => Contenders.enrich({ url, token, transport: ctx.transport }))
  const aOther = await run(`enrich-${other}`, () => Contenders.enrich({ url, token, transport: other }))
  const b = await run("fetch", async () => Contenders.baseline({ url, token }))
  const c = await run("sdk", async () => Contenders.sdk({ url, token }))

  const scenario = `1. Overhead (${measured.length.toLocaleString("en-US")} logins, concurrency ${concurrency})`
  const perAccount = (f: { readonly cpuMs: number }) => f.cpuMs / measured.length
  const rows: Array<Row> = [
    {
      scenario,
      measure: "wall time",
      unit: "s",
      values: { enrich: a.wallMs / 1000, fetch: b.wallMs / 1000, sdk: c.wallMs / 1000 },
      ratios: true
    },
    {
      scenario,
      measure: "CPU time (this process)",
      unit: "s",
      values: { enrich: a.cpuMs / 1000, fetch: b.cpuMs / 1000, sdk: c.cpuMs / 1000 },
      ratios: true
    },
    {
      scenario,
      measure: "CPU per account",
      unit: "ms",
      values: { enrich: perAccount(a), fetch: perAccount(b), sdk: perAccount(c) },
      ratios: true
    },
    {
      scenario,
      measure: "requests per account",
      unit: "per-account",
      values: { enrich: a.requestsPerAccount, fetch: b.requestsPerAccount, sdk: c.requestsPerAccount }
    },
    {
      scenario,
      measure: `enrich over ${other === "fetch" ? "FetchHttpClient" : "NodeHttpClient (undici)"}: wall / CPU`,
      unit: "s",
      values: { enrich: aOther.wallMs / 1000 },
      note: `CPU ${(aOther.cpuMs / 1000).toFixed(2)} s; (a) uses ${
        ctx.transport === "undici" ? "NodeHttpClient.layerUndici" : "FetchHttpClient"
      }`
    }
  ]
  return { rows, details }
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Latency
// ---------------------------------------------------------------------------------------------------------------

/**
 * 2. Latency: the sandbox adds `latencyMillis` to every request; accounts are looked up one at a time, each a
 * different user, by id, by login and by an email that is not a login (search fallback). The sequential pattern
 * (user, then groups, then factors, then roles) is what most integrations write.
 */
export const latency = async (ctx: Context, sandbox: SandboxProcess.SandboxProcess): Promise<Outcome> => {
  const { latencyAccounts, latencyMillis } = ctx.sizes
  const url = sandbox.url
  const token = sandbox.token
  const details: Record<string, Record<string, number>> = {}
  const kinds: ReadonlyArray<Contenders.Kind> = ["id", "login", "email"]
  let next = 0
  const perAccount = async (contender: Contenders.Contender, kind: Contenders.Kind) => {
    // Every lookup is a different user: nothing is served from a cache.
    const accounts = range(next, latencyAccounts).map((n) => Contenders.account(kind, n))
    next += latencyAccounts
    await contender.lookup(Contenders.account(kind, next++)) // warm the connection
    const { value: found, wallMs } = await timed(async () => {
      let found = 0
      for (const account of accounts) if (await contender.lookup(account)) found++
      return found
    })
    if (found !== accounts.length) throw new Error(`${contender.name} found ${found} of ${accounts.length} by ${kind}`)
    return wallMs / accounts.length
  }
  const contenders: ReadonlyArray<readonly [string, Contenders.Contender]> = [
    ["enrich", await Contenders.enrich({ url, token, transport: ctx.transport })],
    ["fetch", Contenders.baseline({ url, token })],
    ["sdk", Contenders.sdk({ url, token })],
    ["fetch-sequential", Contenders.baseline({ url, token, sequential: true })],
    ["sdk-sequential", Contenders.sdk({ url, token, sequential: true })]
  ]
  for (const [key, contender] of contenders) {
    details[key] = {}
    const sequential = key.endsWith("sequential")
    for (const kind of sequential ? (["id", "login"] as const) : kinds) {
      details[key][kind] = await perAccount(contender, kind)
      ctx.log(`  ${contender.name} by ${kind}: ${details[key][kind].toFixed(1)} ms per account`)
    }
    await contender.close()
  }
  const scenario = `2. Latency (+${latencyMillis} ms per request, one account at a time)`
  const trips = (ms: number | undefined) => ms === undefined ? "?" : (ms / latencyMillis).toFixed(1)
  const row = (kind: Contenders.Kind, label: string, expected: number): Row => ({
    scenario,
    measure: `per account, ${label}`,
    unit: "ms",
    values: { enrich: details.enrich[kind], fetch: details.fetch[kind], sdk: details.sdk[kind] },
    ratios: true,
    note: `round trips (÷${latencyMillis} ms): ${trips(details.enrich[kind])} / ${trips(details.fetch[kind])} / ${
      trips(details.sdk[kind])
    }; minimum ${expected}`
  })
  const rows: Array<Row> = [
    row("id", "by id", 1),
    row("login", "by login", 2),
    row("email", "by email (search fallback)", 3),
    {
      scenario,
      measure: "per account, sequential user→groups→factors→roles, by login",
      unit: "ms",
      values: { fetch: details["fetch-sequential"].login, sdk: details["sdk-sequential"].login },
      note: `round trips: ${trips(details["fetch-sequential"].login)} / ${trips(details["sdk-sequential"].login)}; ` +
        `enrich does not do this (by login: ${trips(details.enrich.login)})`
    }
  ]
  return { rows, details }
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Rate-limit efficiency
// ---------------------------------------------------------------------------------------------------------------

/**
 * 3. Rate-limit efficiency: every bucket allows `rateLimit` requests per `rateWindowMillis`, and the org
 * `rateConcurrencyLimit` requests in flight. enrich runs its batch API (`enrichAll`, default concurrency); the SDK is
 * driven with `Promise.all` over every account, as its users do, capped in time.
 *
 * The achieved rate is the 2xx answers over the whole run's wall time: 100 % is every bucket's windows used to their
 * limit back to back from the first request to the last answer (the "ideal" time). It counts the first window, which a
 * cold or CPU-starved client cannot fill, and the last one's pace, so it moves with the machine's load. enrich's
 * transport also records what it sends (`RateWindows`, one `Effect.tap` per request): the steady rate counts only the
 * windows between the first and the last, what the rate limiter decides.
 */
const steadyNote = (steady: ReturnType<typeof RateWindows.steady> | undefined) =>
  steady === undefined || Number.isNaN(steady.share)
    ? "—"
    : `${(100 * steady.share).toFixed(1)} %, ${steady.unusedPerWindow.toFixed(1)} slots unused per window`

export const rateLimits = async (ctx: Context, sandbox: SandboxProcess.SandboxProcess): Promise<Outcome> => {
  const { rateAccounts, rateLimit, rateWindowMillis, capMillis } = ctx.sizes
  const url = sandbox.url
  const token = sandbox.token
  // Each account by login costs one request in each of 4 buckets: user, groups, factors, roles.
  const buckets = 4
  const allowedPerSecond = buckets * rateLimit / (rateWindowMillis / 1000)
  const idealSeconds = rateAccounts / (rateLimit / (rateWindowMillis / 1000))
  const details: Record<string, unknown> = { allowedPerSecond, idealSeconds }

  const run = async (
    key: string,
    contender: Contenders.Contender,
    accounts: ReadonlyArray<Contenders.Account>,
    server: SandboxProcess.SandboxProcess = sandbox
  ) => {
    await server.resetCounters()
    const concurrency = key === "sdk" ? accounts.length : Enricher.defaultConcurrency
    const { value, wallMs } = await timed(() => capped(contender.batch(accounts, concurrency), capMillis))
    const counters = await server.counters()
    const ok = Object.values(counters.byRoute).reduce((sum, byStatus) => sum + (byStatus["200"] ?? 0), 0)
    const figures = {
      wallMs,
      capped: value === undefined,
      found: value?.found ?? 0,
      failed: value === undefined ? Number.NaN : value.failed,
      firstError: value?.firstError,
      requests: counters.requests,
      ok,
      rateLimited: counters.rateLimited,
      concurrencyRejected: counters.concurrencyRejected,
      peakConcurrency: counters.peakConcurrency,
      achievedPerSecond: ok / (wallMs / 1000),
      share: 100 * ok / (wallMs / 1000) / allowedPerSecond
    }
    details[key] = figures
    ctx.log(
      `  ${contender.name}: ${(wallMs / 1000).toFixed(1)} s, ${figures.share.toFixed(0)} % of the allowed rate, ` +
        `${counters.rateLimited} 429s (${counters.concurrencyRejected} concurrency), ${figures.found} found, ` +
        `${figures.failed} failed${figures.firstError === undefined ? "" : ` (${figures.firstError})`}`
    )
    return figures
  }

  const accounts = (from: number) => range(from, rateAccounts).map((n) => Contenders.account("login", n))
  const recorded = RateWindows.recorder(ctx.transport)
  const enrich = await Contenders.enrich({ url, token, transport: ctx.transport, http: recorded.layer })
  const a = await run("enrich", enrich, accounts(0))
  const aSteady = RateWindows.steady(recorded.log, rateLimit, rateWindowMillis)
  details.enrichSteady = aSteady
  const aStats = await clientStats(enrich)
  details.enrichClientStats = aStats
  await enrich.close()
  // A fresh window for the SDK: wait until every bucket has reset.
  await new Promise((resolve) => setTimeout(resolve, rateWindowMillis + 100))
  const sdk = Contenders.sdk({ url, token })
  const c = await run("sdk", sdk, accounts(rateAccounts))

  // The same allowed rate in windows 5 times longer: what is lost per window (reset rounding, margin, jitter) shows.
  let a5: Awaited<ReturnType<typeof run>> | undefined
  let a5Steady: ReturnType<typeof RateWindows.steady> | undefined
  if (ctx.sizes.longerWindows) {
    const longer = await SandboxProcess.start({
      org: { users: rateAccounts },
      rateLimits: { limit: rateLimit * 5, windowMillis: rateWindowMillis * 5 },
      concurrencyLimit: ctx.sizes.rateConcurrencyLimit,
      latencyMillis: ctx.sizes.latencyMillis
    })
    const recordedLonger = RateWindows.recorder(ctx.transport)
    const enrichLonger = await Contenders.enrich({
      url: longer.url,
      token: longer.token,
      transport: ctx.transport,
      http: recordedLonger.layer
    })
    a5 = await run("enrich-longer-windows", enrichLonger, accounts(0), longer)
    a5Steady = RateWindows.steady(recordedLonger.log, rateLimit * 5, rateWindowMillis * 5)
    details.enrichLongerWindowsSteady = a5Steady
    await enrichLonger.close()
    await longer.stop()
  }

  const scenario = `3. Rate limits (${rateAccounts.toLocaleString("en-US")} logins; ${rateLimit} req / ${
    rateWindowMillis / 1000
  } s per bucket; ${ctx.sizes.rateConcurrencyLimit} in flight; +${ctx.sizes.latencyMillis} ms)`
  const rows: Array<Row> = [
    {
      scenario,
      measure: "total time",
      unit: "s",
      values: { enrich: a.wallMs / 1000, sdk: c.wallMs / 1000 },
      note: `ideal ${idealSeconds.toFixed(1)} s at the allowed rate${c.capped ? "; okta-sdk capped" : ""}`
    },
    {
      scenario,
      measure: "achieved rate (2xx) / allowed rate",
      unit: "percent",
      values: { enrich: a.share, sdk: c.share },
      note: `allowed ${allowedPerSecond}/s over ${buckets} buckets; steady ${steadyNote(aSteady)}`
    },
    ...(a5 === undefined ? [] : [{
      scenario,
      measure: `the same rate in ${(rateWindowMillis * 5) / 1000} s windows (${rateLimit * 5} req): total time`,
      unit: "s" as const,
      values: { enrich: a5.wallMs / 1000 },
      note: `${a5.share.toFixed(0)} % of the allowed rate, ${a5.rateLimited} 429s; steady ${steadyNote(a5Steady)}`
    }]),
    {
      scenario,
      measure: "429s received (bucket + concurrency)",
      unit: "count",
      values: { enrich: a.rateLimited, sdk: c.rateLimited },
      note: `concurrency 429s: ${a.concurrencyRejected} / ${c.concurrencyRejected}`
    },
    {
      scenario,
      measure: "lookups failed",
      unit: "count",
      values: { enrich: a.failed, sdk: c.failed },
      ...(c.firstError === undefined ? {} : { note: `okta-sdk: ${c.firstError.slice(0, 80)}` })
    }
  ]
  return { rows, details }
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Coalescing and cache
// ---------------------------------------------------------------------------------------------------------------

/**
 * 4. Coalescing and cache: `coalesced` concurrent lookups of one (uncached) account; then cache-hit lookups per
 * second through `Enricher.enrich`; then the heap held per cached entry with `cacheEntries` entries, filled through the
 * real client and provider over an in-memory org.
 */
export const cache = async (ctx: Context, sandbox: SandboxProcess.SandboxProcess): Promise<Outcome> => {
  const { cacheEntries, cacheHitLookups, cacheTemplates, coalesced } = ctx.sizes
  const url = sandbox.url
  const token = sandbox.token
  const details: Record<string, unknown> = {}
  // Users past the overhead scenario's, so nothing is warm in the sandbox's sense either.
  const base = 1 + ctx.sizes.warmupAccounts + ctx.sizes.overheadAccounts
  const concurrentRequests = async (contender: Contenders.Contender, n: number) => {
    await sandbox.resetCounters()
    const account = Contenders.account("login", n)
    const results = await Promise.all(range(0, coalesced).map(() => contender.lookup(account)))
    if (!results.every((found) => found)) throw new Error(`${contender.name}: not every concurrent lookup found it`)
    return (await sandbox.counters()).requests
  }
  const enrich = await Contenders.enrich({ url, token, transport: ctx.transport })
  // Through the library's own concurrency: one Effect with `coalesced` concurrent enrichments.
  await sandbox.resetCounters()
  const indicator = new Indicator.Indicator({ type: "account", value: Contenders.account("login", base).value })
  await enrich.runtime.runPromise(Effect.gen(function*() {
    const enricher = yield* Enricher.Enricher
    yield* Effect.forEach(range(0, coalesced), () => enricher.enrich(indicator), { concurrency: "unbounded" })
  }))
  const a = (await sandbox.counters()).requests
  const b = await concurrentRequests(Contenders.baseline({ url, token }), base + 1)
  const c = await concurrentRequests(Contenders.sdk({ url, token }), base + 2)
  details.coalescedRequests = { enrich: a, fetch: b, sdk: c }
  ctx.log(`  ${coalesced} concurrent lookups of one account: requests ${a} / ${b} / ${c}`)

  // Cache hits: the account above is cached now. Once with the same indicator object every time (the Enricher
  // remembers what it worked out for an object: its validation, cache keys and effect), and once with a new object
  // per lookup, as a service decoding each request would pass (made before the clock starts: building an
  // `Indicator` is the caller's cost, validating it again is the Enricher's).
  const fresh = range(0, cacheHitLookups).map(() =>
    new Indicator.Indicator({ type: "account", value: indicator.value })
  )
  const [hits, freshHits] = await enrich.runtime.runPromise(Effect.gen(function*() {
    const enricher = yield* Enricher.Enricher
    let start = performance.now()
    for (let i = 0; i < cacheHitLookups; i++) yield* enricher.enrich(indicator)
    const same = cacheHitLookups / ((performance.now() - start) / 1000)
    start = performance.now()
    for (let i = 0; i < cacheHitLookups; i++) yield* enricher.enrich(fresh[i])
    return [same, cacheHitLookups / ((performance.now() - start) / 1000)] as const
  }))
  await enrich.close()
  details.cacheHitsPerSecond = hits
  details.cacheHitsPerSecondFreshIndicators = freshHits
  ctx.log(`  cache hits: ${Math.round(hits)} lookups/s (a new indicator object each: ${Math.round(freshHits)}/s)`)

  // Heap per entry. Real entries come from the real client and provider over an in-memory org (no socket); at
  // about 5 ms of CPU each, 100,000 of them would take minutes, so `cacheTemplates` real entries are made and the
  // cache is filled with fresh decodes of their JSON form (distinct objects, the shapes the cache keeps).
  const memory = await Contenders.enrich({
    url: "http://127.0.0.1:1",
    token,
    transport: ctx.transport,
    cacheCapacity: cacheEntries,
    http: MemoryOkta.layer()
  })
  const templates = Math.min(cacheTemplates, cacheEntries)
  const indicators = range(0, cacheEntries).map((n) =>
    new Indicator.Indicator({ type: "account", value: Contenders.account("id", 100_000_000 + n).value })
  )
  const ttl = () => Duration.hours(1)
  const { jsons, size } = await memory.runtime.runPromise(Effect.gen(function*() {
    const enricher = yield* Enricher.Enricher
    const cache = yield* EnrichmentCache.EnrichmentCache
    yield* enricher.enrichAll(Stream.fromIterable(indicators.slice(0, templates)), { concurrency: 16 }).pipe(
      Stream.runDrain
    )
    const entries = yield* Effect.forEach(indicators.slice(0, templates), (indicator) =>
      cache.getOrCompute(
        EnrichmentCache.key(OktaProvider.name, indicator),
        Effect.dieMessage("the entry should be cached"),
        ttl
      ))
    return {
      jsons: entries.map((outcome) => Schema.encodeSync(EnrichmentCache.EntryFromJson)(outcome.value)),
      size: yield* cache.size
    }
  }))
  gc()
  const before = process.memoryUsage().heapUsed
  const filled = await memory.runtime.runPromise(Effect.gen(function*() {
    const cache = yield* EnrichmentCache.EnrichmentCache
    const decode = Schema.decodeSync(EnrichmentCache.EntryFromJson)
    for (let n = templates; n < cacheEntries; n++) {
      const json = jsons[n % templates]
      yield* cache.getOrCompute(
        EnrichmentCache.key(OktaProvider.name, indicators[n]),
        Effect.sync(() => decode(json)),
        ttl
      )
    }
    return yield* cache.size
  }))
  gc()
  const after = process.memoryUsage().heapUsed
  await memory.close()
  const bytesPerEntry = (after - before) / (filled - size)
  const averageJson = jsons.reduce((sum, json) => sum + json.length, 0) / jsons.length
  details.cache = {
    entries: filled,
    templates,
    heapBytes: after - before,
    bytesPerEntry,
    averageJsonBytes: averageJson
  }
  ctx.log(
    `  ${filled} cached entries: ${Math.round(bytesPerEntry)} heap bytes per entry (JSON ${Math.round(averageJson)} B)`
  )

  const scenario = "4. Coalescing and cache"
  const rows: Array<Row> = [
    {
      scenario,
      measure: `${coalesced.toLocaleString("en-US")} concurrent lookups of one login: requests sent`,
      unit: "count",
      values: { enrich: a, fetch: b, sdk: c },
      note: "4 = one lookup"
    },
    {
      scenario,
      measure: "cache-hit lookups per second (Enricher.enrich)",
      unit: "per-second",
      values: { enrich: hits },
      note: "okta-sdk caches single GETs only; its lookups still list groups, factors, roles"
    },
    {
      scenario,
      measure: "cache-hit lookups per second, a new Indicator object per lookup",
      unit: "per-second",
      values: { enrich: freshHits },
      note: "the Enricher validates each new object and works out its cache keys"
    },
    {
      scenario,
      measure: `heap per cached entry at ${filled.toLocaleString("en-US")} entries`,
      unit: "bytes",
      values: { enrich: bytesPerEntry },
      note: `extracted fields + raw user, groups, factors, roles; as JSON ${
        Math.round(averageJson).toLocaleString("en-US")
      } B`
    }
  ]
  return { rows, details }
}

// ---------------------------------------------------------------------------------------------------------------
// 5. Big accounts
// ---------------------------------------------------------------------------------------------------------------

/** 5. Big accounts: one user (user 0, by id) in `bigGroups` groups, 200 per page. */
export const bigAccount = async (ctx: Context, sandbox: SandboxProcess.SandboxProcess): Promise<Outcome> => {
  const url = sandbox.url
  const token = sandbox.token
  const account = Contenders.account("id", 0)
  const details: Record<string, Record<string, unknown>> = {}
  // Each repeat on a fresh contender, so no cache helps; the wall time is the median, the peaks the highest. One
  // unmeasured lookup of the big account first, on a contender of its own: otherwise the first repeat's peak is the
  // code being compiled and its feedback (about 2 MB more for enrich, 1 MB for fetch), not the big account.
  const run = async (key: string, make: () => Promise<Contenders.Contender>) => {
    const walls: Array<number> = []
    let peakHeap = 0
    let peakRss = 0
    let requests = 0
    let name = key
    const warm = await make()
    await warm.lookup(account)
    await warm.close()
    for (let i = 0; i < ctx.sizes.bigRepeats; i++) {
      const contender = await make()
      name = contender.name
      await contender.lookup(Contenders.account("id", 1 + i)) // warm the connection
      await sandbox.resetCounters()
      const { peakHeapBytes, peakRssBytes, value } = await peakMemory(() => timed(() => contender.lookup(account)))
      if (!value.value) throw new Error(`${contender.name} did not find the big account`)
      requests = (await sandbox.counters()).requests
      await contender.close()
      walls.push(value.wallMs)
      peakHeap = Math.max(peakHeap, peakHeapBytes)
      peakRss = Math.max(peakRss, peakRssBytes)
    }
    const wallMs = [...walls].sort((x, y) => x - y)[Math.floor(walls.length / 2)]
    details[key] = { wallMs, walls, peakHeapBytes: peakHeap, peakRssBytes: peakRss, requests }
    ctx.log(
      `  ${name}: ${wallMs.toFixed(0)} ms (median of ${walls.length}), peak heap +${(peakHeap / 1e6).toFixed(1)} MB, ` +
        `RSS ${(peakRss / 1e6).toFixed(0)} MB, ${requests} requests`
    )
  }
  await run("enrich", () => Contenders.enrich({ url, token, transport: ctx.transport }))
  await run("fetch", async () => Contenders.baseline({ url, token }))
  await run("sdk", async () => Contenders.sdk({ url, token }))
  const scenario = `5. Big account (one user in ${ctx.sizes.bigGroups.toLocaleString("en-US")} groups, by id)`
  const values = (field: string, scale = 1) => ({
    enrich: (details.enrich[field] as number) / scale,
    fetch: (details.fetch[field] as number) / scale,
    sdk: (details.sdk[field] as number) / scale
  })
  const rows: Array<Row> = [
    { scenario, measure: "wall time (median)", unit: "ms", values: values("wallMs"), ratios: true },
    { scenario, measure: "peak heap above idle", unit: "MB", values: values("peakHeapBytes", 1e6), ratios: true },
    { scenario, measure: "peak RSS (whole bench process)", unit: "MB", values: values("peakRssBytes", 1e6) },
    { scenario, measure: "requests", unit: "count", values: values("requests") }
  ]
  return { rows, details }
}
