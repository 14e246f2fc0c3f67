/**
 * The JSON text of a rule file: parsing, and the position scanner that gives a syntax error its line and column.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type * as MaliceRules from "../MaliceRules.js"
import * as Printable from "../Printable.js"

/**
 * Where JSON text first goes wrong, and how. `JSON.parse` only says so in a message whose form varies (a position,
 * or a multi-line excerpt of the text); this scanner gives every syntax error a line and a column.
 */
const syntaxError = (text: string): { readonly position: number; readonly reason: string } => {
  let position = 0
  class Failure {
    constructor(readonly position: number, readonly reason: string) {}
  }
  const fail = (reason?: string): never => {
    throw new Failure(
      position,
      reason ?? (position >= text.length ? "unexpected end of input" : `unexpected ${Printable.quote(text[position])}`)
    )
  }
  const space = () => {
    while (position < text.length && " \t\n\r".includes(text[position])) position++
  }
  const expect = (char: string) => (text[position] === char ? position++ : fail())
  const literal = (word: string) => {
    if (text.startsWith(word, position)) position += word.length
    else fail()
  }
  const string = () => {
    expect("\"")
    while (position < text.length && text[position] !== "\"") {
      const char = text[position]
      if (char < " ") fail("control character in a string")
      if (char === "\\") {
        position++
        if (text[position] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(position + 1, position + 5))) fail("bad \\u escape")
          position += 4
        } else if (!"\"\\/bfnrt".includes(text[position] ?? "")) fail("bad escape")
      }
      position++
    }
    expect("\"")
  }
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(position))
    if (match === null) fail()
    position += match![0].length
  }
  const value = (): void => {
    space()
    const char = text[position]
    if (char === "{") {
      position++
      space()
      if (text[position] === "}") return void position++
      for (;;) {
        space()
        string()
        space()
        expect(":")
        value()
        space()
        if (text[position] === ",") position++
        else return void expect("}")
      }
    }
    if (char === "[") {
      position++
      space()
      if (text[position] === "]") return void position++
      for (;;) {
        value()
        space()
        if (text[position] === ",") position++
        else return void expect("]")
      }
    }
    if (char === "\"") return string()
    if (char === "t") return literal("true")
    if (char === "f") return literal("false")
    if (char === "n") return literal("null")
    return number()
  }
  try {
    value()
    space()
    if (position < text.length) fail(`unexpected ${Printable.quote(text[position])} after the end of the JSON value`)
    return { position: 0, reason: "invalid JSON" }
  } catch (error) {
    if (error instanceof Failure) return error
    throw error
  }
}

/**
 * Parses JSON text; a syntax error becomes a problem with its line and column.
 *
 * @internal
 */
export const parseJson = (text: string): Either.Either<unknown, MaliceRules.Problem> =>
  Either.try({
    try: () => JSON.parse(text) as unknown,
    catch: () => {
      const { position, reason } = syntaxError(text)
      const before = text.slice(0, position).split("\n")
      const at = `line ${before.length}, column ${before[before.length - 1].length + 1}`
      return { path: "", message: `invalid JSON at ${at}: ${reason}` }
    }
  })
