/**
 * Where indicators come from: command-line arguments, a file, or standard input, one per line.
 *
 * Reading is a `Stream`: lines are split as bytes arrive and never held all at once, so a million-line file uses the
 * same memory as a ten-line one. Blank lines and `#` comments are skipped. A line that is not a valid indicator
 * (too long, control characters) becomes an {@link Invalid} entry in its place: the batch goes on.
 *
 * @since 0.1.0
 */
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Indicator from "@enrich/core/Indicator"
import * as Printable from "@enrich/core/Printable"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"

/** Where an entry came from: `argument 2`, `line 17` of a file, `line 3` of stdin. */
export interface Origin {
  readonly source: "argument" | "file" | "stdin"
  /** 1-based position: the argument's index among the indicators, or the line number. */
  readonly position: number
}

/** A valid indicator, normalized. */
export class Valid extends Data.TaggedClass("Valid")<{
  readonly origin: Origin
  readonly indicator: Indicator.Indicator
}> {}

/** An input that is not a valid indicator; it becomes a failed record in its place. */
export class Invalid extends Data.TaggedClass("Invalid")<{
  readonly origin: Origin
  /** The offending text, escaped and cut to a printable length. */
  readonly value: string
  readonly reason: string
}> {
  /** `line 3: invalid account indicator "…": the value contains control characters` */
  get message(): string {
    // `value` is already escaped: quoting it with JSON.stringify would double every backslash.
    return `${describeOrigin(this.origin)}: invalid account indicator "${this.value}": ${this.reason}`
  }
}

/** One input, in input order. */
export type Entry = Valid | Invalid

/** The input file or stdin could not be read. */
export class InputError extends Schema.TaggedError<InputError>()("InputError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot read ${this.path === "-" ? "standard input" : this.path}: ${this.reason}`
  }
}

/** `argument 2`, `line 17`. */
export const describeOrigin = (origin: Origin): string =>
  origin.source === "argument" ? `argument ${origin.position}` : `line ${origin.position}`

/**
 * Lines longer than this are not kept whole: they are reported as too long without being buffered, so one
 * gigabyte-long line cannot exhaust memory.
 */
export const maxLineLength = 4096

/** A line of text as read: at most {@link maxLineLength} characters of it, and its real length. */
export interface Line {
  readonly text: string
  readonly length: number
}

/**
 * Splits a stream of text into lines (`\n` or `\r\n`), keeping at most `maxLength` characters of each line, so memory
 * stays bounded whatever the input. A final line without a newline is kept; a leading byte-order mark is dropped.
 */
export const splitLines = (maxLength: number = maxLineLength) => <E, R>(self: Stream.Stream<string, E, R>) =>
  Stream.suspend(() => {
    let partial = ""
    let length = 0
    let first = true
    const append = (piece: string) => {
      if (partial.length < maxLength + 1) partial += piece.slice(0, maxLength + 1 - partial.length)
      length += piece.length
    }
    const finish = (): Line => {
      let text = partial
      let textLength = length
      if (first) {
        first = false
        if (text.charCodeAt(0) === 0xfeff) {
          text = text.slice(1)
          textLength -= 1
        }
      }
      if (text.endsWith("\r") && textLength === text.length) {
        text = text.slice(0, -1)
        textLength -= 1
      }
      partial = ""
      length = 0
      return { text, length: textLength }
    }
    return self.pipe(
      Stream.mapConcat((chunk) => {
        const lines: Array<Line> = []
        let start = 0
        for (let index = chunk.indexOf("\n"); index !== -1; index = chunk.indexOf("\n", start)) {
          append(chunk.slice(start, index))
          lines.push(finish())
          start = index + 1
        }
        if (start < chunk.length) append(chunk.slice(start))
        return lines
      }),
      Stream.concat(Stream.suspend(() => length > 0 ? Stream.make(finish()) : Stream.empty))
    )
  })

/** Validates and normalizes one value as an `account` indicator (through `Indicator.validate`, pure). */
export const toEntry = (value: string, origin: Origin): Entry =>
  Either.match(Indicator.validate("account", value), {
    onLeft: (error): Entry => new Invalid({ origin, value: error.value, reason: error.reason }),
    onRight: (indicator): Entry => new Valid({ origin, indicator })
  })

/** Turns one line into an entry; `undefined` for blank lines and `#` comments. */
export const parseLine = (line: Line, origin: Origin): Entry | undefined => {
  if (line.length > line.text.length) {
    return new Invalid({
      origin,
      value: Printable.escape(line.text, { maxLength: 81, quotable: true }),
      reason: `the line is ${line.length} characters long (at most ${Indicator.maxLength})`
    })
  }
  const trimmed = line.text.trim()
  if (trimmed.length === 0 || trimmed.startsWith("#")) return undefined
  return toEntry(line.text, origin)
}

/** Entries from a stream of text (a file or stdin), numbered by line. */
export const fromText = <E, R>(
  text: Stream.Stream<string, E, R>,
  source: "file" | "stdin"
): Stream.Stream<Entry, E, R> =>
  text.pipe(
    splitLines(),
    Stream.zipWithIndex,
    Stream.filterMap(([line, index]) => {
      const entry = parseLine(line, { source, position: index + 1 })
      return entry === undefined ? Option.none() : Option.some(entry)
    })
  )

/** Entries from command-line arguments. Arguments are never comments: `#x` is looked up as given. */
export const fromArguments = (values: ReadonlyArray<string>): Stream.Stream<Entry> =>
  Stream.fromIterable(values).pipe(
    Stream.zipWithIndex,
    Stream.map(([value, index]) => toEntry(value, { source: "argument", position: index + 1 }))
  )

/** The text of standard input, decoded as UTF-8. */
const stdinText: Stream.Stream<string, InputError> = NodeStream.fromReadable<InputError, Uint8Array>(
  () => process.stdin,
  (error) => new InputError({ path: "-", reason: error instanceof Error ? error.message : String(error) })
).pipe(Stream.decodeText())

/**
 * The text of a file, decoded as UTF-8, read front to back as a stream. Any file works, not only regular ones: a FIFO
 * (`mkfifo`), `/dev/stdin`, a process substitution (`<(cmd)`) are read as they arrive, like `-`, and waiting for a
 * FIFO's writer can be interrupted (Ctrl-C).
 */
const fileText = (path: string): Stream.Stream<string, InputError> =>
  Stream.suspend(() => {
    let opened = false
    return NodeStream.fromReadable<InputError, Uint8Array>(
      () => Fs.createReadStream(path).once("open", () => opened = true),
      (error) => new InputError({ path, reason: error instanceof Error ? error.message : String(error) })
    ).pipe(
      Stream.ensuring(Effect.sync(() => opened || unblockFifoOpen(path))),
      Stream.decodeText()
    )
  })

/**
 * Opening a FIFO to read blocks one of libuv's threads until a writer comes, and Node cannot exit while it waits (it
 * joins those threads at exit): Ctrl-C would print its summary and then hang. Opening the FIFO for writing, without
 * blocking, lets that open return. Only for a FIFO: nothing else is ever opened for writing.
 */
const unblockFifoOpen = (path: string): void => {
  try {
    if (!Fs.statSync(path).isFIFO()) return
    Fs.closeSync(Fs.openSync(path, Fs.constants.O_WRONLY | Fs.constants.O_NONBLOCK))
  } catch {
    // No reader waiting (ENXIO) or the FIFO is gone: nothing to unblock.
  }
}

/** What {@link checkReadable} found: a regular file can be read twice (counted first, for the progress bar). */
export interface Readable {
  readonly regularFile: boolean
}

/**
 * Fails with {@link InputError} unless `path` is readable (or `-`); checked before any request is sent. A FIFO, a
 * device or a pipe is readable but not a regular file: it is read once, as it comes.
 */
export const checkReadable = (path: string): Effect.Effect<Readable, InputError, FileSystem.FileSystem> =>
  path === "-" ? Effect.succeed({ regularFile: false }) : Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* fs.stat(path).pipe(
      Effect.mapError((error) =>
        new InputError({
          path,
          reason: error._tag === "SystemError" && error.reason === "NotFound" ? "no such file" : error.message
        })
      )
    )
    if (info.type === "Directory") return yield* new InputError({ path, reason: "it is a directory" })
    yield* fs.access(path, { readable: true }).pipe(
      Effect.mapError(() => new InputError({ path, reason: "permission denied" }))
    )
    return { regularFile: info.type === "File" }
  })

/**
 * Every entry, in input order: the arguments first, then the lines of `--input` (`-` for stdin).
 */
export const entries = (options: {
  readonly arguments: ReadonlyArray<string>
  readonly input?: string | undefined
}): Stream.Stream<Entry, InputError> => {
  const args = fromArguments(options.arguments)
  if (options.input === undefined) return args
  const text = options.input === "-" ? stdinText : fileText(options.input)
  return Stream.concat(args, fromText(text, options.input === "-" ? "stdin" : "file"))
}

/** Counts the entries a file would give (for the progress bar's total), reading it once with constant memory. */
export const countFile = (path: string): Effect.Effect<number, InputError> =>
  Stream.runCount(fromText(fileText(path), "file"))
