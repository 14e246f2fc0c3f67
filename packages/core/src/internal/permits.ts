/**
 * A count of permits for one taker (the producer of `enrichAll`), given back by plain callbacks (fiber observers).
 *
 * Why not Effect's `Semaphore`: its `take` is an `asyncInterrupt` even when a permit is free, and its `release` is an
 * effect (so each enrichment needed an `ensuring`) that wakes waiters through a scheduled task; per item that was about
 * a third of `enrichAll`'s runtime steps over a provider that answers at once. Here a free permit is taken in one
 * synchronous check, and only a taker that finds none suspends. A permit is given back by a fiber's observer, which
 * runs whatever way the fiber ends (success, failure, interruption), so no permit is ever lost.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/** @internal */
export class Permits {
  private free: number
  private waiter: (() => void) | undefined = undefined

  constructor(permits: number) {
    this.free = permits
  }

  /** Takes a permit: at once when one is free, else once one is given back. Interrupting the wait takes nothing. */
  readonly take: Effect.Effect<void> = Effect.suspend(() => {
    if (this.free > 0) {
      this.free--
      return Effect.void
    }
    // Woken when a permit is given back; it is taken on the next try, synchronously, so an interrupted waiter (or a
    // second taker, were there one) never holds one it did not take.
    return Effect.zipRight(
      Effect.async<void>((resume) => {
        this.waiter = () => resume(Effect.void)
        return Effect.sync(() => {
          this.waiter = undefined
        })
      }),
      this.take
    )
  })

  /** Takes a free permit synchronously: true when one was free (and is now taken), false when none is. */
  readonly tryTake = (): boolean => {
    if (this.free === 0) return false
    this.free--
    return true
  }

  /** Gives a permit back and wakes the waiting taker, if any. Synchronous: a fiber observer calls it. */
  readonly release = (): void => {
    this.free++
    const waiter = this.waiter
    if (waiter !== undefined) {
      this.waiter = undefined
      waiter()
    }
  }
}
