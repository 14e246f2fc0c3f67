import * as Effect from "effect/Effect"
import * as Supervisor from "effect/Supervisor"

/** Counts the fibers started under it (`Effect.supervised(counter)`): the tests that pin the forks of a lookup. */
export class ForkCounter extends Supervisor.AbstractSupervisor<number> {
  count = 0
  get value() {
    return Effect.sync(() => this.count)
  }
  override onStart() {
    this.count++
  }
}
