/**
 * How `matches` patterns are compiled and run, and their static safety check.
 *
 * Patterns are written in JavaScript syntax and run on RE2 (the pure-JavaScript port `re2js`): an automaton whose
 * time is linear in the length of the value, whatever the pattern, so no rule can hang a lookup. The static check
 * below predates the engine and is kept as a second line of defence: it refuses, at load, patterns that would be
 * catastrophic on a backtracking engine, so a rule file stays safe if it is ever run by one (and its messages teach
 * rule authors what to avoid).
 *
 * Backtracking regex engines (V8's included) can take exponential time on nested repetition (`(a+)+`) and
 * polynomial time on chained repetition (`.*a.*b.*c`), which on a few thousand characters already means minutes.
 * The check walks the pattern and estimates the worst-case number of ways it can split an input of `maxInput`
 * characters: every start position (one when anchored with a leading `^`) times, for every repetition, its number
 * of choices (`maxInput` for `*` / `+` / `{n,}`, `m - n + 1` for `{n,m}`), with repeated groups raised to the power
 * of their repetition count. Patterns above `budget` are refused, as are backreferences.
 *
 * @internal
 */

import * as Either from "effect/Either"
import { RE2JS } from "re2js"
import * as Printable from "../Printable.js"

/** @internal */
export const maxInput = 4096

/** @internal */
export const maxPatternLength = 1024

/**
 * The largest accepted estimate: about quadratic in `maxInput`, a few hundred milliseconds at worst on a hostile
 * 4 KB value. `.*a` unanchored (4096^2 ≈ 1.7e7) passes; `.*a.*b` unanchored (≈ 6.9e10) does not,
 * and neither does `^a+a+a+` (≈ 6.9e10) nor `(a+)+` (infinite).
 *
 * @internal
 */
export const budget = 2e7

interface Info {
  /** Worst-case number of ways to match this part. */
  readonly weight: number
  /** A plain literal (no metacharacter, no quantifier): its text, used to spot disjoint alternatives. */
  readonly literal: string | undefined
  readonly hasQuantifier: boolean
}

class Unsafe {
  constructor(readonly reason: string) {}
}

const quantifierPattern = /^\{(\d+)(?:(,)(\d*))?\}/

/**
 * Succeeds when the pattern, run with `flags`, cannot backtrack catastrophically; else fails with why, in words a rule
 * author can act on.
 *
 * @internal
 */
export const check = (pattern: string, flags = ""): Either.Either<void, string> => {
  if (pattern.length > maxPatternLength) {
    return Either.left(`the pattern is ${pattern.length} characters long (at most ${maxPatternLength})`)
  }
  let position = 0
  let depth = 0
  const peek = () => pattern[position]

  // True when `source` (one atom: a character, an escape, a class, `.`) cannot match the character `char`: a
  // repetition of it followed by `char` then has exactly one place to stop, and does not multiply the work.
  const excludes = (source: string, char: string): boolean => !new RegExp(`^(?:${source})$`, flags).test(char)

  // The literal character of the atom at the current position when it must occur once (not followed by ?, * or {0).
  const nextRequiredLiteral = (): string | undefined => {
    const saved = position
    try {
      const char = peek()
      if (char === undefined || char === "(" || char === "[" || char === ")" || char === "|") return undefined
      const atom = parseAtom()
      if (atom.literal === undefined || atom.literal.length !== 1) return undefined
      const after = peek()
      if (after === "?" || after === "*" || (after === "{" && pattern[position + 1] === "0")) return undefined
      return atom.literal
    } finally {
      position = saved
    }
  }

  const readQuantifier = (): { readonly min: number; readonly max: number } | undefined => {
    const char = peek()
    let result: { min: number; max: number } | undefined
    if (char === "*") result = { min: 0, max: Infinity }
    else if (char === "+") result = { min: 1, max: Infinity }
    else if (char === "?") result = { min: 0, max: 1 }
    else if (char === "{") {
      const match = quantifierPattern.exec(pattern.slice(position))
      if (match === null) return undefined
      const min = Number(match[1])
      const max = match[2] === undefined ? min : match[3] === "" ? Infinity : Number(match[3])
      position += match[0].length - 1
      result = { min, max }
    }
    if (result === undefined) return undefined
    position++
    if (peek() === "?") position++ // lazy: same worst case
    return result
  }

  const parseClass = (): void => {
    position++ // [
    if (peek() === "^") position++
    while (position < pattern.length && peek() !== "]") {
      position += peek() === "\\" ? 2 : 1
    }
    position++ // ]
  }

  const parseEscape = (): Info => {
    const next = pattern[position + 1]
    if (next !== undefined && next >= "1" && next <= "9") {
      throw new Unsafe("backreferences (\\1, \\2, ...) are not allowed")
    }
    if (next === "k" && pattern[position + 2] === "<") {
      throw new Unsafe("backreferences (\\k<name>) are not allowed")
    }
    position += 2
    // \x41 and \u0041 are single characters: skip their digits
    if (next === "x" && /^[0-9a-fA-F]{2}/.test(pattern.slice(position))) position += 2
    else if (next === "u" && /^[0-9a-fA-F]{4}/.test(pattern.slice(position))) position += 4
    else if (next === "c" && /^[a-zA-Z]/.test(pattern.slice(position))) position += 1
    const literal = next !== undefined && /[^\w\s]/.test(next) ? next : undefined
    return { weight: 1, literal, hasQuantifier: false }
  }

  const parseAtom = (): Info => {
    const char = peek()!
    if (char === "(") {
      position++
      if (peek() === "?") {
        // (?: (?= (?! (?<= (?<! (?<name>
        position++
        if (peek() === "<" && pattern[position + 1] !== "=" && pattern[position + 1] !== "!") {
          position = pattern.indexOf(">", position) + 1
        } else {
          position += peek() === "<" ? 2 : 1
        }
      }
      depth++
      const inner = parseAlternation()
      depth--
      position++ // )
      return { weight: inner.weight, literal: undefined, hasQuantifier: inner.hasQuantifier }
    }
    if (char === "[") {
      parseClass()
      return { weight: 1, literal: undefined, hasQuantifier: false }
    }
    if (char === "\\") return parseEscape()
    position++
    const literal = /[.^$]/.test(char) ? undefined : char
    return { weight: 1, literal, hasQuantifier: false }
  }

  // The cost of a sequence is folded from the right: a repetition multiplies the cost of what follows (each of its
  // lengths is tried against the rest), except when it is followed by a character it cannot match, where only one
  // length reaches the rest (its cost adds), and at the very end of the pattern, where its first try succeeds.
  const parseSequence = (): Info => {
    const steps: Array<{ readonly factor: number; readonly additive: boolean }> = []
    let literal: string | undefined = ""
    let hasQuantifier = false
    while (position < pattern.length && peek() !== "|" && peek() !== ")") {
      const start = position
      const atom = parseAtom()
      const source = pattern.slice(start, position)
      const quantifier = readQuantifier()
      hasQuantifier ||= atom.hasQuantifier
      if (quantifier === undefined) {
        steps.push({ factor: atom.weight, additive: false })
        literal = literal !== undefined && atom.literal !== undefined ? literal + atom.literal : undefined
        continue
      }
      literal = undefined
      hasQuantifier = true
      const repetitions = Math.min(quantifier.max, maxInput)
      const choices = repetitions - quantifier.min + 1
      if (atom.weight === 1 && !source.startsWith("(")) {
        if (depth === 0 && position === pattern.length) continue
        const following = nextRequiredLiteral()
        const additive = following !== undefined && excludes(source, following)
        steps.push({ factor: choices, additive })
        continue
      }
      if (atom.weight > 1 && quantifier.max > 1) {
        if (quantifier.max === Infinity) {
          throw new Unsafe(
            atom.hasQuantifier
              ? "nested repetition such as (a+)+ can backtrack catastrophically"
              : "a repeated group whose alternatives can match the same text, such as (a|ab)+, can backtrack " +
                "catastrophically (alternatives that are plain words starting with different characters are fine; with " +
                "ignore_case, svc and SVC start with the same character)"
          )
        }
        steps.push({ factor: Math.pow(atom.weight, repetitions) * choices, additive: false })
      } else {
        steps.push({ factor: atom.weight * choices, additive: false })
      }
    }
    let weight = 1
    for (let index = steps.length - 1; index >= 0; index--) {
      const step = steps[index]
      weight = step.additive ? step.factor + weight : step.factor * weight
    }
    return { weight, literal, hasQuantifier }
  }

  const parseAlternation = (): Info => {
    const alternatives = [parseSequence()]
    while (peek() === "|") {
      position++
      alternatives.push(parseSequence())
    }
    if (alternatives.length === 1) return alternatives[0]
    const hasQuantifier = alternatives.some((alternative) => alternative.hasQuantifier)
    // With the `i` flag, "svc" and "SVC" start with the same character: compare first characters as the pattern
    // will run, flags included.
    const firsts = alternatives.map((alternative) => alternative.literal?.[0])
    const disjointWords = firsts.every((first, index) =>
      first !== undefined &&
      firsts.every((other, j) => j === index || (other !== undefined && excludes(escapeLiteral(first), other)))
    )
    if (disjointWords) return { weight: 1, literal: undefined, hasQuantifier }
    const weight = alternatives.reduce((sum, alternative) => sum + alternative.weight, 0)
    return { weight, literal: undefined, hasQuantifier }
  }

  try {
    const info = parseAlternation()
    const anchored = pattern.startsWith("^") && !hasTopLevelAlternation(pattern)
    const estimate = (anchored ? 1 : maxInput) * info.weight
    if (estimate > budget) {
      return Either.left(
        "too much repetition: the pattern could backtrack for a very long time on a long value " +
          "(anchor it with a leading ^, or use fewer unbounded repetitions such as .* and +)"
      )
    }
    return Either.void
  } catch (error) {
    if (error instanceof Unsafe) return Either.left(error.reason)
    throw error
  }
}

const escapeLiteral = (char: string): string => char.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&")

/** A compiled `matches` pattern: tests a value in time linear in its length. @internal */
export type Matcher = (text: string) => boolean

/**
 * Compiles a pattern (JavaScript syntax, already checked by `new RegExp`) for the linear-time engine, or says why it
 * cannot run there (lookahead needs backtracking; lookbehind is supported).
 *
 * @internal
 */
export const compile = (pattern: string, ignoreCase: boolean): Either.Either<Matcher, string> => {
  try {
    const flags = RE2JS.LOOKBEHINDS | (ignoreCase ? RE2JS.CASE_INSENSITIVE : 0)
    const regex = RE2JS.compile(RE2JS.translateRegExp(pattern), flags)
    return Either.right((text) => regex.test(text))
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    if (/`\(\?[=!]/.test(reason)) {
      return Either.left("lookahead ((?= and (?!) is not supported: patterns run on a linear-time engine")
    }
    return Either.left(`not supported by the linear-time engine (${Printable.escape(reason, { maxLength: 120 })})`)
  }
}

const hasTopLevelAlternation = (pattern: string): boolean => {
  let depth = 0
  let inClass = false
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]
    if (char === "\\") index++
    else if (inClass) inClass = char !== "]"
    else if (char === "[") inClass = true
    else if (char === "(") depth++
    else if (char === ")") depth--
    else if (char === "|" && depth === 0) return true
  }
  return false
}
