/**
 * Counts what an effect costs the fiber runtime, deterministically: the steps it evaluates (with op supervision on)
 * and the fibers it forks. A regression guard for hot paths that is not a timing test.
 */
import * as Effect from "effect/Effect"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as RuntimeFlagsPatch from "effect/RuntimeFlagsPatch"
import * as Supervisor from "effect/Supervisor"

class Counter extends Supervisor.AbstractSupervisor<void> {
  steps = 0
  forks = 0
  get value() {
    return Effect.void
  }
  override onStart() {
    this.forks++
  }
  override onEffect() {
    this.steps++
  }
}

/** What running an effect cost: runtime steps and fibers forked. */
export interface Cost {
  readonly steps: number
  readonly forks: number
}

/** Runs `effect` and tells what it cost (its own value is dropped). */
export const cost = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<Cost, E, R> =>
  Effect.suspend(() => {
    const counter = new Counter()
    return effect.pipe(
      Effect.supervised(counter),
      Effect.withRuntimeFlagsPatch(RuntimeFlagsPatch.enable(RuntimeFlags.OpSupervision)),
      Effect.map(() => ({ steps: counter.steps, forks: counter.forks }))
    )
  })
