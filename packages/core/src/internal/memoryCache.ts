/**
 * The memory cache behind `EnrichmentCache.makeMemory`: a Map in LRU order of compact slots, single-flight per key.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import * as EnrichmentCache from "../EnrichmentCache.js"
import type * as Provider from "../Provider.js"
import * as Compact from "./compactEntry.js"

type Entry = EnrichmentCache.Entry

/**
 * One stored entry, as small as it can be: the compact form, the expiry in milliseconds since the first write (a
 * small integer, stored unboxed, for any TTL under 24 days) and the decoded entry while it is among the recently
 * decoded (see `hotSize`).
 */
class Slot {
  constructor(
    readonly data: Compact.Compact,
    readonly expiresAt: number,
    public decoded: Entry | undefined
  ) {}
}

/**
 * How many entries are kept decoded besides their compact form: the most recently written or decoded. A hot account
 * is then answered without parsing, and the decoded copies cost a fixed amount of memory whatever the capacity.
 */
const hotSize = 256

interface Flight {
  readonly deferred: Deferred.Deferred<Entry, Provider.ProviderError>
  waiters: number
  done: boolean
  fiber: Fiber.RuntimeFiber<unknown> | undefined
}

/** @internal */
export const makeMemory = (capacity: number): Effect.Effect<EnrichmentCache.Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      return yield* Effect.dieMessage(`EnrichmentCache capacity must be a non-negative integer, got ${capacity}`)
    }
    const scope = yield* Effect.scope
    // A Map iterates in insertion order: re-inserting on read makes its first key the least recently used.
    const store = new Map<string, Slot>()
    const flights = new Map<string, Flight>()
    const shapes = new Compact.Shapes()
    // Expiries are kept relative to the first write's time, so they stay small integers.
    let base: number | undefined
    // The slots holding a decoded entry, oldest overwritten first.
    const hot: Array<Slot | undefined> = new Array(Math.min(hotSize, capacity)).fill(undefined)
    let hotNext = 0
    let hits = 0
    let misses = 0
    let coalesced = 0
    let evictions = 0

    const keepDecoded = (slot: Slot, entry: Entry): void => {
      if (hot.length === 0) return
      const old = hot[hotNext]
      if (old !== undefined) old.decoded = undefined
      slot.decoded = entry
      hot[hotNext] = slot
      hotNext = (hotNext + 1) % hot.length
    }

    // The key last (re-)inserted: reading it again needs no re-insert, the costliest part of a hit on a hot key.
    let newest: string | undefined

    const read = (key: string, now: number): Entry | undefined => {
      const slot = store.get(key)
      if (slot === undefined) return undefined
      if (base === undefined || slot.expiresAt <= now - base) {
        store.delete(key)
        return undefined
      }
      let entry = slot.decoded
      if (entry === undefined) {
        entry = Compact.decode(slot.data, shapes)
        if (entry === undefined) {
          // Unreadable: a miss, and the slot is dropped.
          store.delete(key)
          return undefined
        }
        keepDecoded(slot, entry)
      }
      if (key !== newest) {
        store.delete(key)
        store.set(key, slot)
        newest = key
      }
      return entry
    }

    const write = (key: string, entry: Entry, ttl: Duration.Duration, now: number): void => {
      const millis = Duration.toMillis(ttl)
      if (!(millis > 0) || capacity === 0 || EnrichmentCache.isPartial(entry)) return
      if (base === undefined) base = now
      const slot = new Slot(Compact.encode(entry, shapes), now - base + millis, undefined)
      keepDecoded(slot, entry)
      store.delete(key)
      store.set(key, slot)
      newest = key
      while (store.size > capacity) {
        const oldest = store.keys().next()
        if (oldest.done) break
        store.delete(oldest.value)
        evictions++
      }
    }

    const settle =
      (key: string, flight: Flight, ttl: (entry: Entry) => Duration.Duration) =>
      (exit: Exit.Exit<Entry, Provider.ProviderError>) =>
        Effect.clockWith((clock) =>
          Effect.suspend(() => {
            flight.done = true
            let outcome: Exit.Exit<Entry, Provider.ProviderError> = exit
            if (flights.get(key) === flight) {
              flights.delete(key)
              if (Exit.isSuccess(exit)) {
                // A throwing `ttl` is a bug; it must still reach the callers rather than leave them waiting.
                try {
                  write(key, exit.value, ttl(exit.value), clock.unsafeCurrentTimeMillis())
                } catch (defect) {
                  outcome = Exit.die(defect)
                }
              }
            }
            return Deferred.done(flight.deferred, outcome)
          })
        )

    const leave = (key: string, flight: Flight) =>
      Effect.suspend(() => {
        flight.waiters--
        if (flight.waiters > 0 || flight.done) return Effect.void
        // Nobody wants the answer any more: stop asking the provider.
        if (flights.get(key) === flight) flights.delete(key)
        return flight.fiber === undefined ? Effect.void : Fiber.interruptFork(flight.fiber)
      })

    // The miss path: join the computation running for `key`, or start one. From the cache read to the fork everything
    // is synchronous, so no other fiber can interleave (the store is read again: the fiber may have yielded since the
    // read of `getOrCompute`).
    const join = (
      key: string,
      compute: Effect.Effect<Entry, Provider.ProviderError>,
      ttl: (entry: Entry) => Duration.Duration
    ): Effect.Effect<EnrichmentCache.Outcome, Provider.ProviderError> =>
      Effect.clockWith((clock) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.gen(function*() {
            const deferred = yield* Deferred.make<Entry, Provider.ProviderError>()
            const cached = read(key, clock.unsafeCurrentTimeMillis())
            if (cached !== undefined) {
              hits++
              return { value: cached, hit: true }
            }
            let flight = flights.get(key)
            const leader = flight === undefined
            if (flight === undefined) {
              flight = { deferred, waiters: 0, done: false, fiber: undefined }
              flights.set(key, flight)
              misses++
            } else {
              coalesced++
            }
            flight.waiters++
            if (leader) {
              flight.fiber = yield* compute.pipe(
                Effect.onExit(settle(key, flight, ttl)),
                // The outcome reaches the callers through the deferred: the fiber itself must not end in a failure,
                // or the runtime logs every failed lookup as an unhandled error.
                Effect.exit,
                Effect.interruptible,
                Effect.forkIn(scope)
              )
            }
            const value = yield* restore(Deferred.await(flight.deferred)).pipe(
              Effect.onInterrupt(() => leave(key, flight))
            )
            return { value, hit: !leader }
          })
        )
      )

    const unsafeGet = (key: string, now: number): Entry | undefined => {
      const cached = read(key, now)
      if (cached !== undefined) hits++
      return cached
    }

    // The hit path is one synchronous step: a read of the store, no Deferred, no fiber, no interruption mask.
    const getOrCompute: EnrichmentCache.Service["getOrCompute"] = (key, compute, ttl) =>
      Effect.clockWith((clock) => {
        const cached = unsafeGet(key, clock.unsafeCurrentTimeMillis())
        return cached === undefined ? join(key, compute, ttl) : Effect.succeed({ value: cached, hit: true })
      })

    const size = Effect.map(Clock.currentTimeMillis, (now) => {
      for (const [key, slot] of store) {
        if (base === undefined || slot.expiresAt <= now - base) store.delete(key)
      }
      return store.size
    })

    return EnrichmentCache.EnrichmentCache.of({
      getOrCompute,
      unsafeGet,
      invalidate: (key) =>
        Effect.sync(() => {
          store.delete(key)
          flights.delete(key)
        }),
      size,
      stats: Effect.sync(() => ({ hits, misses, coalesced, evictions }))
    })
  })
