/**
 * Heap per cached entry, with entries made by the real client and provider over an in-memory org (no socket). The
 * forms a store could keep, held in a plain Map (decoded with raw responses, decoded without them, the extracted fields
 * as one JSON string), and what the memory cache (`EnrichmentCache.makeMemory`) really holds for the same entries, with
 * and without raw responses: its whole heap (Map, keys, compact entries, the decoded hot set) divided by the entries.
 * `npm run bench -- --only heap`.
 */
import * as Enricher from "@enrich/core/Enricher"
import * as EnrichmentCache from "@enrich/core/EnrichmentCache"
import * as Indicator from "@enrich/core/Indicator"
import * as Provider from "@enrich/core/Provider"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Contenders from "./Contenders.js"
import { gc } from "./Measure.js"
import * as MemoryOkta from "./MemoryOkta.js"

/** Bytes of heap per entry, by form. */
export interface Figures {
  readonly entries: number
  readonly asToday: number
  readonly withoutRaw: number
  readonly extractedAsJson: number
  /** The memory cache, entries without raw responses (what OktaProvider caches unless something reads raw). */
  readonly memoryCache: number
  /** The memory cache, entries with raw responses (a rule reads `raw.`, or raw output was asked for). */
  readonly memoryCacheWithRaw: number
}

/** Measures the heap of `entries` cached entries (`templates` of them made for real, the rest fresh copies). */
export const measure = async (entries: number, templates: number): Promise<Figures> => {
  const memory = await Contenders.enrich({
    url: "http://127.0.0.1:1",
    token: "bench-token",
    transport: "undici",
    http: MemoryOkta.layer()
  })
  const indicators = Array.from(
    { length: templates },
    (_, n) => new Indicator.Indicator({ type: "account", value: Contenders.account("id", 100_000_000 + n).value })
  )
  const jsons = await memory.runtime.runPromise(Effect.gen(function*() {
    const enricher = yield* Enricher.Enricher
    const cache = yield* EnrichmentCache.EnrichmentCache
    yield* enricher.enrichAll(Stream.fromIterable(indicators), { concurrency: 16 }).pipe(Stream.runDrain)
    const outcomes = yield* Effect.forEach(indicators, (indicator) =>
      cache.getOrCompute(
        EnrichmentCache.key(OktaProvider.name, indicator),
        Effect.dieMessage("the entry should be cached"),
        () => Duration.hours(1)
      ))
    return outcomes.map((outcome) => Schema.encodeSync(EnrichmentCache.EntryFromJson)(outcome.value))
  }))
  await memory.close()
  const decode = Schema.decodeSync(EnrichmentCache.EntryFromJson)
  const perEntry = (make: (json: string) => unknown): number => {
    gc()
    const before = process.memoryUsage().heapUsed
    const held = new Map<string, unknown>()
    for (let n = 0; n < entries; n++) held.set(`enrichment:okta:account:${n}`, make(jsons[n % jsons.length]))
    gc()
    const bytes = (process.memoryUsage().heapUsed - before) / held.size
    held.clear()
    return bytes
  }
  const stored = (entry: EnrichmentCache.Entry) => ({ entry, expiresAt: Date.now() })
  const withoutRaw = (entry: EnrichmentCache.Entry): EnrichmentCache.Entry =>
    entry.lookup._tag === "Found"
      ? { ...entry, lookup: new Provider.Found({ extracted: entry.lookup.extracted, raw: null }) }
      : entry
  // The real cache, filled through `getOrCompute` (each a miss) and kept alive while the heap is read.
  const cacheHeap = (make: (json: string) => EnrichmentCache.Entry): number => {
    const scope = Effect.runSync(Scope.make())
    gc()
    const before = process.memoryUsage().heapUsed
    const cache = Effect.runSync(Scope.extend(EnrichmentCache.makeMemory({ capacity: entries }), scope))
    Effect.runSync(Effect.forEach(
      Array.from({ length: entries }, (_, n) => n),
      (n) =>
        cache.getOrCompute(
          `enrichment:okta:account:${n}`,
          Effect.succeed(make(jsons[n % jsons.length])),
          () => Duration.hours(1)
        ),
      { discard: true }
    ))
    gc()
    const bytes = (process.memoryUsage().heapUsed - before) / Effect.runSync(cache.size)
    Effect.runSync(Scope.close(scope, Exit.void))
    return bytes
  }
  return {
    entries,
    asToday: perEntry((json) => stored(decode(json))),
    withoutRaw: perEntry((json) => stored(withoutRaw(decode(json)))),
    extractedAsJson: perEntry((json) => {
      const entry = decode(json)
      const extracted = entry.lookup._tag === "Found" ? JSON.stringify(entry.lookup.extracted) : null
      return { extracted, enriched_at: entry.enriched_at, expiresAt: Date.now() }
    }),
    memoryCache: cacheHeap((json) => withoutRaw(decode(json))),
    memoryCacheWithRaw: cacheHeap(decode)
  }
}
