/**
 * The expression language of Okta's `search=` and `filter=` query parameters (and the System Log `filter=`), parsed
 * into a small AST and evaluated against Okta JSON objects.
 *
 * Grammar (what the sandbox accepts, a superset of what Okta documents for users):
 *
 * ```text
 * expression := and ("or" and)*
 * and        := primary ("and" primary)*
 * primary    := "(" expression ")" | attribute "pr" | attribute operator value
 * operator   := eq | ne | sw | ew | co | gt | ge | lt | le
 * value      := "string with \" and \\ escapes" | number | true | false | null
 * ```
 *
 * @since 0.1.0
 */
import { Either, Schema } from "effect"

/**
 * The comparison operators Okta's expression language knows.
 *
 * @since 0.1.0
 */
export type Operator = "eq" | "ne" | "sw" | "ew" | "co" | "gt" | "ge" | "lt" | "le"

/**
 * A literal on the right-hand side of a comparison.
 *
 * @since 0.1.0
 */
export type Value = string | number | boolean | null

/**
 * A parsed expression.
 *
 * @since 0.1.0
 */
export type Expression =
  | { readonly _tag: "And"; readonly left: Expression; readonly right: Expression }
  | { readonly _tag: "Or"; readonly left: Expression; readonly right: Expression }
  | { readonly _tag: "Present"; readonly attribute: string }
  | {
    readonly _tag: "Compare"
    readonly attribute: string
    readonly operator: Operator
    readonly value: Value
  }

/**
 * The expression could not be parsed. Okta answers this with 400 `E0000031` ("Invalid search criteria").
 *
 * @since 0.1.0
 */
export class SearchSyntaxError extends Schema.TaggedError<SearchSyntaxError>()("SearchSyntaxError", {
  expression: Schema.String,
  position: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `Invalid search expression at character ${this.position}: ${this.reason} (in ${
      JSON.stringify(this.expression)
    })`
  }
}

const operators: ReadonlySet<string> = new Set(["eq", "ne", "sw", "ew", "co", "gt", "ge", "lt", "le"])

type Token =
  | { readonly kind: "word"; readonly text: string; readonly at: number }
  | { readonly kind: "string"; readonly text: string; readonly at: number }
  | { readonly kind: "("; readonly at: number }
  | { readonly kind: ")"; readonly at: number }

class Failure {
  constructor(readonly position: number, readonly reason: string) {}
}

const tokenize = (input: string): Array<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < input.length) {
    const c = input[i]
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++
    } else if (c === "(" || c === ")") {
      tokens.push({ kind: c, at: i })
      i++
    } else if (c === "\"") {
      const at = i
      let text = ""
      i++
      let closed = false
      while (i < input.length) {
        const d = input[i]
        if (d === "\\") {
          const next = input[i + 1]
          if (next === undefined) throw new Failure(i, "dangling escape character")
          text += next
          i += 2
        } else if (d === "\"") {
          closed = true
          i++
          break
        } else {
          text += d
          i++
        }
      }
      if (!closed) throw new Failure(at, "unterminated string literal")
      tokens.push({ kind: "string", text, at })
    } else {
      const at = i
      while (i < input.length && !" \t\n\r()\"".includes(input[i])) i++
      tokens.push({ kind: "word", text: input.slice(at, i), at })
    }
  }
  return tokens
}

const attributePattern = /^[A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*)*$/
const numberPattern = /^-?\d+(\.\d+)?$/

const parseTokens = (input: string, tokens: ReadonlyArray<Token>): Expression => {
  let pos = 0
  const peek = () => tokens[pos]
  const end = () => input.length
  const isKeyword = (token: Token | undefined, keyword: string) =>
    token !== undefined && token.kind === "word" && token.text.toLowerCase() === keyword

  const parseOr = (): Expression => {
    let left = parseAnd()
    while (isKeyword(peek(), "or")) {
      pos++
      left = { _tag: "Or", left, right: parseAnd() }
    }
    return left
  }
  const parseAnd = (): Expression => {
    let left = parsePrimary()
    while (isKeyword(peek(), "and")) {
      pos++
      left = { _tag: "And", left, right: parsePrimary() }
    }
    return left
  }
  const parsePrimary = (): Expression => {
    const token = peek()
    if (token === undefined) throw new Failure(end(), "expected a comparison")
    if (token.kind === "(") {
      pos++
      const inner = parseOr()
      const close = peek()
      if (close === undefined || close.kind !== ")") {
        throw new Failure(close?.at ?? end(), "expected \")\"")
      }
      pos++
      return inner
    }
    if (token.kind !== "word" || !attributePattern.test(token.text)) {
      throw new Failure(token.at, "expected an attribute name such as profile.email")
    }
    pos++
    const attribute = token.text
    const op = peek()
    if (op === undefined || op.kind !== "word") throw new Failure(op?.at ?? end(), "expected an operator (eq, sw, ...)")
    const operator = op.text.toLowerCase()
    pos++
    if (operator === "pr") return { _tag: "Present", attribute }
    if (!operators.has(operator)) throw new Failure(op.at, `unknown operator "${op.text}"`)
    const literal = peek()
    if (literal === undefined) throw new Failure(end(), "expected a value")
    pos++
    if (literal.kind === "string") {
      return { _tag: "Compare", attribute, operator: operator as Operator, value: literal.text }
    }
    if (literal.kind === "word") {
      const lower = literal.text.toLowerCase()
      if (lower === "true" || lower === "false") {
        return { _tag: "Compare", attribute, operator: operator as Operator, value: lower === "true" }
      }
      if (lower === "null") return { _tag: "Compare", attribute, operator: operator as Operator, value: null }
      if (numberPattern.test(literal.text)) {
        return { _tag: "Compare", attribute, operator: operator as Operator, value: Number(literal.text) }
      }
    }
    throw new Failure(literal.at, "expected a double-quoted value")
  }

  const expression = parseOr()
  const rest = peek()
  if (rest !== undefined) throw new Failure(rest.at, "expected \"and\", \"or\" or the end of the expression")
  return expression
}

/**
 * Parses a `search=` / `filter=` expression (already URL-decoded).
 *
 * @since 0.1.0
 */
export const parse = (input: string): Either.Either<Expression, SearchSyntaxError> => {
  try {
    return Either.right(parseTokens(input, tokenize(input)))
  } catch (error) {
    if (error instanceof Failure) {
      return Either.left(new SearchSyntaxError({ expression: input, position: error.position, reason: error.reason }))
    }
    throw error
  }
}

/**
 * Every attribute an expression mentions (used to restrict `filter=` to the fields Okta allows there).
 *
 * @since 0.1.0
 */
export const attributes = (expression: Expression): ReadonlyArray<string> => {
  switch (expression._tag) {
    case "And":
    case "Or":
      return [...attributes(expression.left), ...attributes(expression.right)]
    case "Present":
    case "Compare":
      return [expression.attribute]
  }
}

/**
 * Reads a dotted attribute path (`profile.email`, `actor.id`) out of a JSON object.
 *
 * @since 0.1.0
 */
export const resolvePath = (json: unknown, attribute: string): unknown => {
  let current: unknown = json
  for (const key of attribute.split(".")) {
    if (Array.isArray(current)) {
      // Through an array (a System Log event's `target[]`): the attribute of each element, so `target.id eq "…"`
      // matches when any target has that id, as Okta's filter does.
      current = current.map((item) => resolvePath(item, key)).filter((value) => value !== undefined)
      continue
    }
    if (current === null || typeof current !== "object") return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

const compare = (actual: unknown, operator: Operator, expected: Value, caseInsensitive: boolean): boolean => {
  if (Array.isArray(actual)) return actual.some((item) => compare(item, operator, expected, caseInsensitive))
  if (expected === null) {
    if (operator === "eq") return actual === null || actual === undefined
    if (operator === "ne") return actual !== null && actual !== undefined
    return false
  }
  if (actual === null || actual === undefined) return operator === "ne"
  if (typeof expected === "string") {
    if (typeof actual !== "string" && typeof actual !== "number" && typeof actual !== "boolean") return false
    let a = String(actual)
    let e = expected
    if (caseInsensitive) {
      a = a.toLowerCase()
      e = e.toLowerCase()
    }
    switch (operator) {
      case "eq":
        return a === e
      case "ne":
        return a !== e
      case "sw":
        return a.startsWith(e)
      case "ew":
        return a.endsWith(e)
      case "co":
        return a.includes(e)
      case "gt":
        return a > e
      case "ge":
        return a >= e
      case "lt":
        return a < e
      case "le":
        return a <= e
    }
  }
  switch (operator) {
    case "eq":
      return actual === expected
    case "ne":
      return actual !== expected
    case "gt":
      return typeof actual === "number" && actual > (expected as number)
    case "ge":
      return typeof actual === "number" && actual >= (expected as number)
    case "lt":
      return typeof actual === "number" && actual < (expected as number)
    case "le":
      return typeof actual === "number" && actual <= (expected as number)
    default:
      return false
  }
}

/**
 * Evaluates an expression against a JSON object. `caseInsensitive` is how `search=` compares strings; `filter=`
 * compares them exactly.
 *
 * @since 0.1.0
 */
export const evaluate = (
  expression: Expression,
  json: unknown,
  options: { readonly caseInsensitive: boolean }
): boolean => {
  switch (expression._tag) {
    case "And":
      return evaluate(expression.left, json, options) && evaluate(expression.right, json, options)
    case "Or":
      return evaluate(expression.left, json, options) || evaluate(expression.right, json, options)
    case "Present": {
      const value = resolvePath(json, expression.attribute)
      return value !== undefined && value !== null && value !== ""
    }
    case "Compare":
      return compare(
        resolvePath(json, expression.attribute),
        expression.operator,
        expression.value,
        options.caseInsensitive
      )
  }
}

/**
 * Quotes a value for use in an expression, escaping `"` and `\` the way Okta expects (`"O\"Brien"`).
 *
 * @since 0.1.0
 */
export const quote = (value: string): string => `"${value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"")}"`
