/** @internal */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type { EnrichmentResult } from "../EnrichmentResult.js"
import type * as Indicator from "../Indicator.js"

/**
 * An answer that cannot be given at once: the effect that gives it. A class, so that telling it from a result is one
 * `instanceof` (`Effect.isEffect` on a plain record walks its prototype chain for a symbol).
 *
 * @internal
 */
export class Later {
  constructor(readonly effect: Effect.Effect<EnrichmentResult>) {}
}

/** @internal */
export interface Options {
  readonly concurrency: number
  /** The result at `now` when it can be given at once (e.g. from a cache held in process), or the effect giving it. */
  readonly enrichNow: (
    indicator: Indicator.Indicator,
    now: number
  ) => EnrichmentResult | Later
  readonly invalid: (error: Indicator.InvalidIndicator) => EnrichmentResult
  readonly stopWhen: Effect.Effect<unknown> | undefined
  readonly onAbandoned: ((indicator: Indicator.Indicator) => Effect.Effect<void>) | undefined
}

/**
 * An input on its way: its record, ready; a running enrichment; or an input that waited for a place until a stop,
 * never started (abandoned).
 */
type Pending =
  | { readonly _tag: "Ready"; readonly results: Array<EnrichmentResult> }
  | {
    readonly _tag: "Running"
    readonly indicator: Indicator.Indicator
    readonly fiber: Fiber.RuntimeFiber<EnrichmentResult>
  }
  | { readonly _tag: "NotStarted"; readonly indicator: Indicator.Indicator }

/**
 * The most answers given at once that share one place of the queue: stream machinery costs per chunk, so cached
 * answers pass in batches, while at most `readyBatch` x `concurrency` of them wait for a slow consumer.
 */
const readyBatch = 64

/** The end of the input, queued after its last item. */
interface End<E> {
  readonly _tag: "End"
  readonly exit: Exit.Exit<void, E>
}

/**
 * The ordered, bounded pipeline behind `Enricher.enrichAll`.
 *
 * An input answered at once (invalid, or every provider answered from a cache held in process) is put in place as it
 * is read, without a fiber or a permit, and such answers are queued a batch at a time: a cached item costs no more
 * than reading the cache. Only the others are forked.
 *
 * `Stream.mapEffect(f, { concurrency })` costs far more per item than the enrichment of a cached or fast answer, so
 * instead a producer fiber takes a permit for each input (at most `concurrency` enrichments run), forks its
 * enrichment and queues the fiber in a queue of `concurrency` places; the stream awaits the fibers in input order and
 * emits settled results a chunk at a time. The permit and the queue bound both the work in flight and the inputs
 * held (about 2 x concurrency). The fibers live in a FiberSet of the stream's scope: a stop interrupts them and keeps
 * what finished; the end of the stream, for any reason, interrupts whatever is left.
 *
 * A pool of `concurrency` workers taking jobs from a queue and settling per-item slots was tried and measured: over a
 * provider that answers at once it cost more (140 runtime steps per item against 127, 4.1x Effect.forEach's CPU
 * against 2.5x), since every hand-over through an empty queue suspends a fiber and makes a Deferred.
 *
 * @internal
 */
export const enrichAll = <E, R>(
  inputs: Stream.Stream<Indicator.Indicator | Indicator.InvalidIndicator, E, R>,
  options: Options
): Stream.Stream<EnrichmentResult, E, R> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const { concurrency, enrichNow, invalid, onAbandoned } = options
    const clock = yield* Effect.clock
    const running = yield* FiberSet.make<EnrichmentResult>()
    const semaphore = yield* Effect.makeSemaphore(concurrency)
    const release = semaphore.release(1)
    let stopped = false

    let source = inputs
    if (options.stopWhen !== undefined) {
      const stop = yield* Deferred.make<void>()
      // The flag is set before the fibers are interrupted, and `start` reads it after forking: a fiber forked while
      // the stop happens is either interrupted here or by `start` itself.
      yield* options.stopWhen.pipe(
        Effect.zipRight(Effect.suspend(() => {
          stopped = true
          return Deferred.succeed(stop, undefined)
        })),
        Effect.zipRight(FiberSet.clear(running)),
        Effect.forkScoped
      )
      // `Stream.interruptWhen` alone only interrupts a pull that is waiting (stdin with nothing to read): a stream that
      // answers at once would go on being read. So the flag is also checked before each pull, and by `produce` for the
      // items of a chunk already read.
      const pull = yield* Stream.toPull(inputs)
      source = Stream.repeatEffectChunkOption(Effect.suspend(() => stopped ? Effect.fail(Option.none()) : pull)).pipe(
        Stream.interruptWhen(Deferred.await(stop))
      )
    }

    /** Starts an enrichment that could not be answered at once, once there is a place for it. */
    const start = (indicator: Indicator.Indicator, enrich: Effect.Effect<EnrichmentResult>): Effect.Effect<Pending> =>
      // The permit is taken before forking, so waiting inputs hold no fiber; the enrichment gives it back.
      Effect.flatMap(semaphore.take(1), (): Effect.Effect<Pending> => {
        if (stopped) return Effect.as(release, { _tag: "NotStarted", indicator })
        return Effect.flatMap(
          FiberSet.run(running, Effect.ensuring(enrich, release)),
          (fiber): Effect.Effect<Pending> => {
            const pending: Pending = { _tag: "Running", indicator, fiber }
            return stopped ? Effect.as(Fiber.interruptFork(fiber), pending) : Effect.succeed(pending)
          }
        )
      })

    const queue = yield* Queue.bounded<Pending | End<E>>(concurrency)

    // Reads a chunk of inputs in order: answers what it can at once and queues those answers in batches of up to
    // `readyBatch` (one queue place each), starts the others one by one. The queue's bound holds it back.
    const produce = (chunk: Chunk.Chunk<Indicator.Indicator | Indicator.InvalidIndicator>) =>
      Effect.gen(function*() {
        let ready: Array<EnrichmentResult> = []
        for (const input of chunk) {
          if (stopped) break
          const answer = Predicate.isTagged(input, "InvalidIndicator")
            ? invalid(input as Indicator.InvalidIndicator)
            : enrichNow(input as Indicator.Indicator, clock.unsafeCurrentTimeMillis())
          if (!(answer instanceof Later)) {
            ready.push(answer)
            if (ready.length < readyBatch) continue
          }
          if (ready.length > 0) {
            yield* queue.offer({ _tag: "Ready", results: ready })
            ready = []
          }
          if (answer instanceof Later) yield* queue.offer(yield* start(input as Indicator.Indicator, answer.effect))
        }
        if (ready.length > 0) yield* queue.offer({ _tag: "Ready", results: ready })
      })

    const abandon = (indicator: Indicator.Indicator): Effect.Effect<Option.Option<EnrichmentResult>> =>
      onAbandoned === undefined ? Effect.succeedNone : Effect.as(onAbandoned(indicator), Option.none())

    const finish = (pending: Exclude<Pending, { _tag: "Ready" }>): Effect.Effect<Option.Option<EnrichmentResult>> =>
      pending._tag === "NotStarted"
        ? abandon(pending.indicator)
        : Effect.flatMap(Fiber.await(pending.fiber), (exit) => {
          if (Exit.isSuccess(exit)) return Effect.succeed(Option.some(exit.value))
          // `enrich` never fails and only a stop interrupts it: anything else is a bug, not to be passed over.
          if (stopped && Cause.isInterruptedOnly(exit.cause)) return abandon(pending.indicator)
          return Effect.failCause(Cause.stripFailures(exit.cause))
        })

    // The producer reads the input, answers or starts each item and queues it, in order.
    yield* source.pipe(
      Stream.runForEachChunk(produce),
      Effect.exit,
      Effect.flatMap((exit) => queue.offer({ _tag: "End", exit })),
      Effect.forkScoped
    )

    // The consumer takes what is queued and emits, in order, the head (awaited) and every item settled behind it in
    // one chunk: stream machinery costs per chunk, not per item, and a finished result is never held back.
    let taken: ReadonlyArray<Pending | End<E>> = []
    let index = 0
    let end: Exit.Exit<void, E> | undefined
    const settled = (item: Pending | End<E>) => item._tag !== "Running" || item.fiber.unsafePoll() !== null
    const pull: Effect.Effect<Chunk.Chunk<EnrichmentResult>, Option.Option<E>> = Effect.gen(function*() {
      if (index >= taken.length) {
        if (end !== undefined) {
          return yield* Exit.isSuccess(end)
            ? Effect.fail(Option.none())
            : Effect.failCause(Cause.map(end.cause, Option.some))
        }
        taken = Chunk.toReadonlyArray(yield* queue.takeBetween(1, concurrency))
        index = 0
      }
      const out: Array<EnrichmentResult> = []
      let first = true
      while (index < taken.length && (first || settled(taken[index]))) {
        const item = taken[index++]
        first = false
        if (item._tag === "End") {
          end = item.exit
          break
        }
        if (item._tag === "Ready") {
          for (const result of item.results) out.push(result)
          continue
        }
        const result = yield* finish(item)
        if (Option.isSome(result)) out.push(result.value)
      }
      return Chunk.unsafeFromArray(out)
    })
    return Stream.repeatEffectChunkOption(pull)
  }))
