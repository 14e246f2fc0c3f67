/**
 * Writing results to stdout, waiting for each write to be flushed so that a slow reader (a pipe into `jq`) slows the
 * enrichment down instead of piling output up in memory.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"

/** Writes text to stdout and waits until it has been handed to the operating system. */
export const write = (text: string): Effect.Effect<void> =>
  text.length === 0 ? Effect.void : Effect.async<void>((resume) => {
    process.stdout.write(text, () => resume(Effect.void))
  })
