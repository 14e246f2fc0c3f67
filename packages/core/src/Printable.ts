/**
 * Text from outside (an indicator, a rule file, Okta's data) made safe to show on a terminal or in an error message.
 *
 * Escaped, as `\n`, `\t` or `\uXXXX`:
 *
 * - C0 controls (U+0000-U+001F), DEL and C1 controls (U+007F-U+009F): an ANSI escape (`ESC [2J`, or the one-byte CSI
 *   U+009B) could rewrite the screen;
 * - the line and paragraph separators U+2028 / U+2029, which some terminals and editors break lines on;
 * - the bidirectional embedding, override and isolate characters U+202A-U+202E and U+2066-U+2069, which reorder the
 *   text around them (a row of a table could then read differently from what it holds);
 * - the invisible direction marks U+200E (LRM), U+200F (RLM) and U+061C (ALM): they cannot reorder text on their own,
 *   but they are invisible, change how neighbouring punctuation is laid out, and have no place in logins or group
 *   names, so showing them is the honest choice;
 * - lone surrogates (half of a character), which terminals show as garbage.
 *
 * Everything else (accents, CJK, emoji, joiners) is shown as is.
 *
 * @since 0.1.0
 */

/** Options of {@link escape}. */
export interface EscapeOptions {
  /**
   * The longest result, in characters (after escaping). A longer result is cut at a character boundary (never inside
   * an escape) and ends with `…`. Default: no limit.
   */
  readonly maxLength?: number | undefined
  /**
   * Also escape `"` and `\`, so the result reads unambiguously between double quotes (as in JSON). Default `false`:
   * a table cell shows `DOMAIN\jsmith` as it is.
   */
  readonly quotable?: boolean | undefined
}

/** The characters {@link escape} escapes (besides `"` and `\` when quotable). */
const unsafe = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/

const shortEscapes: Readonly<Record<string, string>> = {
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\f": "\\f",
  "\r": "\\r"
}

const escapeOne = (char: string, quotable: boolean): string => {
  // A well-formed surrogate pair is one character (an emoji): iteration by code point keeps it whole.
  if (char.length === 2) return char
  if (quotable && (char === "\"" || char === "\\")) return `\\${char}`
  if (!unsafe.test(char)) return char
  return shortEscapes[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`
}

const escapeCut = (
  text: string,
  options: EscapeOptions | undefined
): { readonly shown: string; readonly cut: boolean } => {
  const maxLength = Math.max(1, options?.maxLength ?? Infinity)
  const quotable = options?.quotable ?? false
  // Each character gives at least one character of output: the first maxLength + 1 code units are all that can show.
  const head = Number.isFinite(maxLength) ? text.slice(0, maxLength + 1) : text
  const pieces: Array<string> = []
  let length = 0
  for (const char of head) {
    const piece = escapeOne(char, quotable)
    pieces.push(piece)
    length += piece.length
  }
  if (length <= maxLength && head.length === text.length) return { shown: pieces.join(""), cut: false }
  let shown = ""
  for (const piece of pieces) {
    if (shown.length + piece.length > maxLength - 1) break
    shown += piece
  }
  return { shown: `${shown}…`, cut: true }
}

/**
 * Escapes the characters that could disturb a terminal (see the module comment) and cuts the result to
 * `maxLength` characters. Pure, and linear in `maxLength` rather than in the text: a 2 MB value costs no more than a
 * short one.
 */
export const escape = (text: string, options?: EscapeOptions): string => escapeCut(text, options).shown

/** Options of {@link quote}. */
export interface QuoteOptions {
  /** The longest text shown between the quotes, in characters (after escaping, `…` included). Default 80. */
  readonly maxLength?: number | undefined
}

const defaultQuoteLength = 80

/**
 * Quotes a piece of user input for an error message: `"jsmith\u001b[2J"`, escaped as by {@link escape} (quotes and
 * backslashes included), and, when cut, followed by its real length: `"aaaa…" (2097152 characters)`.
 */
export const quote = (text: string, options?: QuoteOptions): string => {
  const { cut, shown } = escapeCut(text, { maxLength: options?.maxLength ?? defaultQuoteLength, quotable: true })
  return cut ? `"${shown}" (${text.length} characters)` : `"${shown}"`
}
