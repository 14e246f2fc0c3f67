/**
 * A page of groups decoded without their JSON (`listUserGroups(id, { keepRaw: false })`), for accounts in thousands
 * of groups. Why not the `OktaGroup` Schema: its decoder builds a parse result per field (about 6 KB of garbage and
 * most of the CPU per group, measured on a 5,000-group account), while enrichment reads three fields of a group. This
 * checks exactly what the Schema checks (`id` and `profile.name` strings, `type` a string or absent, `description` a
 * string, null or absent; unknown fields ignored) and builds the same value; anything else is handed to the Schema,
 * so a wrong shape fails with the Schema's own error, path included. The tests hold the two to the same answers.
 *
 * A page is read straight from the body's bytes when it can be ({@link fromBytes}): decoding the text and `JSON.parse`
 * would build the whole page (its text, and every field of every group: `_links`, `objectClass`, timestamps), about
 * 170 KB per page of 200 groups in the bench's org, for four fields of each to be kept (the scanner: about 50 KB). It
 * accepts strict JSON only and gives up on anything else (a syntax error, nesting deeper than `maxDepth`, a field of
 * the wrong type), leaving the page to the text, `JSON.parse` and the checks above: the usual value or error.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import type { OktaGroup } from "../OktaResources.js"
import type { Decoder } from "./response.js"
import { maxDepth } from "./response.js"

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** One group as the Schema would decode it, `raw: null`; undefined when it would not (the Schema then says why). */
const group = (input: unknown): OktaGroup | undefined => {
  if (!isRecord(input)) return undefined
  const { id, profile, type } = input
  if (typeof id !== "string" || !isRecord(profile)) return undefined
  const { description, name } = profile
  if (typeof name !== "string") return undefined
  if (type !== undefined && typeof type !== "string") return undefined
  if (description !== undefined && description !== null && typeof description !== "string") return undefined
  return { id, type: type ?? "OKTA_GROUP", profile: { name, description: description ?? null }, raw: null }
}

/** Gave up: the body is not a page this scanner reads (see {@link fromBytes}). */
class GiveUp {}
const giveUp = new GiveUp()

const TAB = 9
const LF = 10
const CR = 13
const SPACE = 32
const QUOTE = 34
const PLUS = 43
const COMMA = 44
const MINUS = 45
const DOT = 46
const SLASH = 47
const ZERO = 48
const NINE = 57
const COLON = 58
const OPEN_BRACKET = 91
const BACKSLASH = 92
const CLOSE_BRACKET = 93
const OPEN_BRACE = 123
const CLOSE_BRACE = 125

const isDigit = (c: number) => c >= ZERO && c <= NINE
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
/** The escapes JSON allows besides `\u`: `" \ / b f n r t`. */
const isEscape = (c: number) =>
  c === QUOTE || c === BACKSLASH || c === SLASH || c === 98 || c === 102 || c === 110 || c === 114 || c === 116

/** UTF-8 as the body's text is decoded (invalid sequences replaced), but keeping a BOM: inside a string it is text. */
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true })

/** Okta's group types. */
const knownTypes: ReadonlyArray<string> = ["OKTA_GROUP", "APP_GROUP", "BUILT_IN"]

/** The members of a group that are read; any other key is checked and skipped. */
const enum Key {
  Other,
  Id,
  Type,
  Profile,
  Name,
  Description
}

/**
 * A strict JSON reader over one page's bytes that builds only the strings it is asked for: keys are compared in place
 * and every other value is checked and skipped. One object per page, its methods on the prototype: no closure per
 * group. Any departure from strict JSON, or from the shapes the checks accept, throws {@link giveUp}. A byte of
 * 0x80 or more is accepted only inside a string (any UTF-8, valid or not: it is decoded as the whole body would be).
 */
class Scanner {
  i = 0
  readonly length: number
  /** Whether the last string skipped held a byte of 0x80 or more. */
  wide = false
  constructor(readonly text: Buffer) {
    this.length = text.length
  }

  matches(word: string, at: number): boolean {
    for (let k = 0; k < word.length; k++) if (this.text[at + k] !== word.charCodeAt(k)) return false
    return true
  }

  ws(): void {
    const text = this.text
    let i = this.i
    while (i < this.length) {
      const c = text[i]
      if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break
      i++
    }
    this.i = i
  }

  eat(c: number): void {
    if (this.text[this.i] !== c) throw giveUp
    this.i++
  }

  /** Skips the string token at `i` (its opening quote); true when it holds an escape. */
  skipString(): boolean {
    const text = this.text
    const length = this.length
    let i = this.i + 1
    let escaped = false
    let wide = false
    while (true) {
      if (i >= length) throw giveUp
      const c = text[i++]
      if (c === QUOTE) break
      if (c < SPACE) throw giveUp
      if (c >= 128) wide = true
      else if (c === BACKSLASH) {
        escaped = true
        const e = text[i++]
        if (e === 117) {
          for (let k = 0; k < 4; k++) if (!isHex(text[i++])) throw giveUp
        } else if (!isEscape(e)) {
          throw giveUp
        }
      }
    }
    this.i = i
    this.wide = wide
    return escaped
  }

  /**
   * The string token at `i`, unescaped: decoded from its bytes alone, which gives the characters decoding the whole
   * body gives (a string starts and ends at a quote, an ASCII byte, where UTF-8 decoding starts afresh). A token with
   * escapes is read by `JSON.parse`, with JSON's own rules for each escape.
   */
  string(): string {
    const start = this.i
    const escaped = this.skipString()
    if (!escaped && !this.wide) return this.text.toString("latin1", start + 1, this.i - 1)
    const token = utf8.decode(this.text.subarray(escaped ? start : start + 1, escaped ? this.i : this.i - 1))
    if (!escaped) return token
    try {
      return JSON.parse(token) as string
    } catch {
      throw giveUp
    }
  }

  /** A group's `type`: Okta's three kinds are shared constants, others read as any string. */
  type(): string {
    const text = this.text
    if (text[this.i] !== QUOTE) throw giveUp
    const start = this.i + 1
    for (const known of knownTypes) {
      if (this.matches(known, start) && text[start + known.length] === QUOTE) {
        this.i = start + known.length + 1
        return known
      }
    }
    return this.string()
  }

  /** The key token at `i`, as one of the keys read (in a group, or in its profile) or `Other`, with no string built. */
  key(inProfile: boolean): Key {
    const start = this.i
    if (this.text[start] !== QUOTE) throw giveUp
    if (this.skipString()) {
      this.i = start
      return this.keyOf(this.string(), inProfile)
    }
    const size = this.i - start - 2
    if (inProfile) {
      if (size === 4 && this.matches("name", start + 1)) return Key.Name
      if (size === 11 && this.matches("description", start + 1)) return Key.Description
    } else {
      if (size === 2 && this.matches("id", start + 1)) return Key.Id
      if (size === 4 && this.matches("type", start + 1)) return Key.Type
      if (size === 7 && this.matches("profile", start + 1)) return Key.Profile
    }
    return Key.Other
  }

  keyOf(key: string, inProfile: boolean): Key {
    if (inProfile) return key === "name" ? Key.Name : key === "description" ? Key.Description : Key.Other
    return key === "id" ? Key.Id : key === "type" ? Key.Type : key === "profile" ? Key.Profile : Key.Other
  }

  digits(): void {
    if (!isDigit(this.text[this.i])) throw giveUp
    while (isDigit(this.text[this.i])) this.i++
  }

  number(): void {
    const text = this.text
    if (text[this.i] === MINUS) this.i++
    if (text[this.i] === ZERO) this.i++
    else this.digits()
    if (text[this.i] === DOT) {
      this.i++
      this.digits()
    }
    const e = text[this.i]
    if (e === 101 || e === 69) {
      this.i++
      const sign = text[this.i]
      if (sign === PLUS || sign === MINUS) this.i++
      this.digits()
    }
  }

  literal(word: string): void {
    if (!this.matches(word, this.i)) throw giveUp
    this.i += word.length
  }

  /** Checks and skips the value at `i`; `depth` is the nesting of its container (the page's array is 1). */
  skip(depth: number): void {
    const c = this.text[this.i]
    if (c === QUOTE) {
      this.skipString()
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth + 1 > maxDepth) throw giveUp
      const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET
      this.i++
      this.ws()
      if (this.text[this.i] === close) {
        this.i++
        return
      }
      while (true) {
        if (c === OPEN_BRACE) {
          if (this.text[this.i] !== QUOTE) throw giveUp
          this.skipString()
          this.ws()
          this.eat(COLON)
          this.ws()
        }
        this.skip(depth + 1)
        this.ws()
        const next = this.text[this.i++]
        if (next === close) return
        if (next !== COMMA) throw giveUp
        this.ws()
      }
    } else if (c === 116) {
      this.literal("true")
    } else if (c === 102) {
      this.literal("false")
    } else if (c === 110) {
      this.literal("null")
    } else if (c === MINUS || isDigit(c)) {
      this.number()
    } else {
      throw giveUp
    }
  }

  /** After a member's value: true at the end of its object, false before the next member. */
  endOfMember(): boolean {
    this.ws()
    const next = this.text[this.i++]
    if (next === CLOSE_BRACE) return true
    if (next !== COMMA) throw giveUp
    this.ws()
    return false
  }

  /** At an object's `{`: true when it is empty (and skipped). */
  emptyObject(): boolean {
    this.eat(OPEN_BRACE)
    this.ws()
    if (this.text[this.i] !== CLOSE_BRACE) return false
    this.i++
    return true
  }

  /** A member's value that must be a string (or, when `nullable`, null: `undefined`); anything else gives up. */
  stringValue(nullable: boolean): string | undefined {
    const c = this.text[this.i]
    if (c === QUOTE) return this.string()
    if (nullable && c === 110) {
      this.literal("null")
      return undefined
    }
    throw giveUp
  }

  /** The group at `i` (depth 2; its profile is at 3), as the checks of `group` would build it. */
  group(): OktaGroup {
    let id: string | undefined
    let type: string | undefined
    let name: string | undefined
    let description: string | undefined
    let profiled = false
    if (!this.emptyObject()) {
      do {
        const key = this.key(false)
        this.ws()
        this.eat(COLON)
        this.ws()
        if (key === Key.Id) id = this.stringValue(false)
        else if (key === Key.Type) type = this.type()
        else if (key !== Key.Profile) this.skip(2)
        else {
          // A repeated profile replaces the first one whole, as with JSON.parse.
          profiled = true
          name = undefined
          description = undefined
          if (!this.emptyObject()) {
            do {
              const field = this.key(true)
              this.ws()
              this.eat(COLON)
              this.ws()
              if (field === Key.Name) name = this.stringValue(false)
              else if (field === Key.Description) description = this.stringValue(true)
              else this.skip(3)
            } while (!this.endOfMember())
          }
        }
      } while (!this.endOfMember())
    }
    if (id === undefined || !profiled || name === undefined) throw giveUp
    return { id, type: type ?? "OKTA_GROUP", profile: { name, description: description ?? null }, raw: null }
  }

  page(): Array<OktaGroup> {
    const groups: Array<OktaGroup> = []
    this.ws()
    this.eat(OPEN_BRACKET)
    this.ws()
    if (this.text[this.i] === CLOSE_BRACKET) this.i++
    else {
      while (true) {
        if (this.text[this.i] !== OPEN_BRACE) throw giveUp
        groups.push(this.group())
        this.ws()
        const next = this.text[this.i++]
        if (next === CLOSE_BRACKET) break
        if (next !== COMMA) throw giveUp
        this.ws()
      }
    }
    this.ws()
    if (this.i !== this.length) throw giveUp
    return groups
  }
}

/**
 * The groups of a page read straight from its bytes, as `withoutRaw` would decode `JSON.parse` of its text; undefined
 * when the body is not strict JSON (a BOM included), nests deeper than `maxDepth`, or is not an array of groups the
 * checks accept. Keys are compared after unescaping and a repeated key's last value counts, as with `JSON.parse`.
 */
export const fromBytes = (bytes: Uint8Array): ReadonlyArray<OktaGroup> | undefined => {
  try {
    return new Scanner(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).page()
  } catch (error) {
    if (error === giveUp) return undefined
    throw error
  }
}

/**
 * Decodes a page of groups without keeping its JSON; `schema` decodes (and explains) any page this does not. Reads a
 * 2xx body's bytes directly ({@link fromBytes}) when it can.
 */
export const withoutRaw = (schema: Decoder<ReadonlyArray<OktaGroup>>): Decoder<ReadonlyArray<OktaGroup>> => {
  const decoder = (input: unknown): Either.Either<ReadonlyArray<OktaGroup>, ParseResult.ParseIssue> => {
    if (!Array.isArray(input)) return withoutRawSlow(schema, input)
    const groups: Array<OktaGroup> = new Array(input.length)
    for (let i = 0; i < input.length; i++) {
      const decoded = group(input[i])
      if (decoded === undefined) return withoutRawSlow(schema, input)
      groups[i] = decoded
    }
    return Either.right(groups)
  }
  return Object.assign(decoder, { fromBytes })
}

const withoutRawSlow = (schema: Decoder<ReadonlyArray<OktaGroup>>, input: unknown) =>
  Either.map(
    schema(input),
    (groups) => groups.map((g): OktaGroup => ({ id: g.id, type: g.type, profile: g.profile, raw: null }))
  )
