/**
 * How the rule decoder quotes what a rule author wrote: every piece of input shown in a message is escaped and cut to
 * a printable length (a 2 MB unknown key is shown as its first characters and its length), and typos get a
 * suggestion.
 *
 * @internal
 */
import * as Printable from "../Printable.js"

/** The longest quoted piece of input in a rule error, in characters. */
const maxQuoted = 64

/** Quotes a piece of input: escaped, cut to {@link maxQuoted} characters plus its length. @internal */
export const quote = (text: string): string => Printable.quote(text, { maxLength: maxQuoted })

/** @internal */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** What a value is, for "expected ..., got ..." messages: a quoted string, a number, `null`, `an array`. @internal */
export const describe = (u: unknown): string => {
  if (u === null) return "null"
  if (Array.isArray(u)) return "an array"
  if (typeof u === "object") return "an object"
  if (typeof u === "string") return quote(u)
  return Printable.escape(String(JSON.stringify(u) ?? typeof u), { maxLength: maxQuoted })
}

/** A JSON path to a key; the key is escaped and cut, so a huge key is not repeated whole in the path. @internal */
export const join = (path: string, key: string): string => {
  const shown = Printable.escape(key, { maxLength: maxQuoted })
  return path === "" ? shown : `${path}.${shown}`
}

/** @internal */
export const quoteList = (items: ReadonlyArray<string>): string => items.join(", ")

// A typo (`feild`) gets a suggestion: the closest allowed key within two edits.
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]
}

/** `did you mean "field"? ` for the closest candidate within two edits, else an empty string. @internal */
export const suggestion = (word: string, candidates: ReadonlyArray<string>): string => {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of candidates) {
    // Lengths further apart than the best distance cannot do better (and a huge word costs nothing).
    if (Math.abs(word.length - candidate.length) >= bestDistance) continue
    const d = distance(word.toLowerCase(), candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best === undefined ? "" : `did you mean "${best}"? `
}
