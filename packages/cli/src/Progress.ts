/**
 * The bulk progress bar, on stderr: done/total, rate, ETA and failures. Shown only when stderr is a terminal and there
 * is more than one indicator, so pipes and CI logs never see it.
 *
 * When the total is unknown (stdin), the bar shows what is done, the rate and the failures, without a percentage or
 * an ETA. For a file, the total is counted in the background and appears when known.
 *
 * @since 0.1.0
 */
import type { SingleBar } from "cli-progress"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** What the bar shows. */
export interface State {
  readonly done: number
  readonly failed: number
  /** `undefined` while unknown. */
  readonly total: number | undefined
  readonly elapsedMillis: number
}

/** `1h02m`, `3m05s`, `42s`. */
export const formatDuration = (seconds: number): string => {
  if (!Number.isFinite(seconds) || seconds < 0) return "?"
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
}

/** Renders one line of the bar (pure, for tests). */
export const render = (state: State, barWidth = 24): string => {
  const seconds = state.elapsedMillis / 1000
  const rate = seconds > 0 ? state.done / seconds : 0
  const rateText = `${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)}/s`
  const failedText = `${state.failed} failed`
  if (state.total === undefined) {
    return `${state.done} done | ${rateText} | ${failedText} | ${formatDuration(seconds)} elapsed`
  }
  const ratio = state.total > 0 ? Math.min(1, state.done / state.total) : 1
  const filled = Math.round(ratio * barWidth)
  const bar = `${"█".repeat(filled)}${"░".repeat(barWidth - filled)}`
  const eta = rate > 0 ? formatDuration((state.total - state.done) / rate) : "?"
  return `${bar} ${state.done}/${state.total} ${Math.floor(ratio * 100)}% | ${rateText} | ETA ${eta} | ${failedText}`
}

/** The bar, as the enrichment loop sees it. */
export interface Progress {
  /** Sets the total once known. */
  readonly setTotal: (total: number) => void
  /** Counts one finished result. */
  readonly tick: (failed: boolean) => void
}

/** A progress that shows nothing. */
export const none: Progress = { setTotal: () => {}, tick: () => {} }

/**
 * A progress bar on stderr, or {@link none} when stderr is not a terminal or there is at most one indicator. With an
 * unknown total, the bar appears with the second result. It is removed from the screen when the scope closes.
 */
export const make = (options: {
  readonly total: number | undefined
  readonly stream?: NodeJS.WriteStream
}): Effect.Effect<Progress, never, Scope.Scope> => {
  const stream = options.stream ?? process.stderr
  if (!stream.isTTY || (options.total !== undefined && options.total <= 1)) return Effect.succeed(none)
  return Effect.flatMap(loadCliProgress, (cliProgress) => makeBar(cliProgress, stream, options.total))
}

/**
 * cli-progress, imported only when a bar is drawn: a lookup whose stderr is not a terminal, or of one account, does not
 * load (or parse) it at start-up.
 */
const loadCliProgress: Effect.Effect<CliProgress> = Effect.promise(() =>
  import("cli-progress").then((module) => module.default)
)

/** What is used of cli-progress. */
interface CliProgress {
  readonly SingleBar: typeof SingleBar
}

const makeBar = (
  cliProgress: CliProgress,
  stream: NodeJS.WriteStream,
  total: number | undefined
): Effect.Effect<Progress, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const startedAt = Date.now()
      let state = { done: 0, failed: 0, total }
      let started = false
      const bar = new cliProgress.SingleBar({
        stream,
        fps: 8,
        hideCursor: true,
        clearOnComplete: false,
        format: () => render({ ...state, elapsedMillis: Date.now() - startedAt })
      })
      const start = () => {
        if (started || (state.total === undefined && state.done < 2)) return
        started = true
        bar.start(state.total ?? 0, state.done)
      }
      start()
      return {
        bar,
        isStarted: () => started,
        progress: {
          setTotal: (total: number) => {
            state = { ...state, total }
            if (total <= 1) return
            start()
            if (started) bar.setTotal(total)
          },
          tick: (failed: boolean) => {
            state = { ...state, done: state.done + 1, failed: state.failed + (failed ? 1 : 0) }
            start()
            if (started) bar.update(state.done)
          }
        } satisfies Progress
      }
    }),
    ({ bar, isStarted }) => Effect.sync(() => isStarted() && bar.stop())
  ).pipe(Effect.map(({ progress }) => progress))
