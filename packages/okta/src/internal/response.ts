/**
 * What the client does with an answer: reads its body within a size cap, maps its status to a typed error, and turns
 * the body into JSON and then into our Schemas. Whatever a server sends (too large, not JSON, nested beyond reason,
 * of the wrong shape, a redirect), the outcome is a typed error, never a crash.
 *
 * @internal
 */
import type * as Headers from "@effect/platform/Headers"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Stream from "effect/Stream"
import type { OktaError } from "../OktaError.js"
import {
  OktaBadRequest,
  OktaForbidden,
  OktaInvalidResponse,
  OktaNotFound,
  OktaRateLimited,
  OktaTransient,
  OktaUnauthorized
} from "../OktaError.js"
import { OktaErrorBody } from "../OktaResources.js"
import * as RateLimitHeaders from "./rateLimitHeaders.js"

/** What came back from one attempt. */
export interface Answered {
  readonly status: number
  readonly headers: Headers.Headers
  readonly text: string
  /** The body as sent, when it was read as bytes: a decoder with `fromBytes` reads it without its text. */
  readonly bytes?: Uint8Array | undefined
}

/** A body decoder, compiled once: building a Schema (and its parser) per call is measurable per-request work. */
export interface Decoder<A> {
  (input: unknown): Either.Either<A, ParseResult.ParseIssue>
  /**
   * Reads the value straight from a 2xx body's bytes (for pages of which little is kept), or gives `undefined` to
   * leave the body to its text, `JSON.parse` and the decoder. It must never accept what they would refuse, nor give
   * another value.
   */
  readonly fromBytes?: ((bytes: Uint8Array) => A | undefined) | undefined
}

/** UTF-8, a leading BOM dropped and invalid sequences replaced: how `fetch` and undici decode a body's text. */
const utf8 = new TextDecoder()

/** A body as read: its bytes, and its text decoded on first use (a page of groups read from its bytes never is). */
export class Body {
  private decoded: string | undefined
  constructor(readonly bytes: Uint8Array) {}
  get text(): string {
    return this.decoded ??= utf8.decode(this.bytes)
  }
}

/** An answer whose body is a {@link Body}: its text is decoded only when something reads it. */
export class Answer<Request> implements Answered {
  constructor(
    readonly request: Request,
    readonly status: number,
    readonly headers: Headers.Headers,
    readonly body: Body
  ) {}
  get text(): string {
    return this.body.text
  }
  get bytes(): Uint8Array {
    return this.body.bytes
  }
}

/** JSON nested deeper than this is no Okta resource (a user with its `_links` is 4 levels deep). */
export const maxDepth = 64

/** The longest `problem` an error carries: a hostile body must not turn into a huge error message. */
const maxProblemLength = 300

/** The bucket name used in errors for the org-wide concurrency limit. */
export const concurrencyBucket = "concurrency"

/** `X-Okta-Request-Id`, to quote to Okta support. */
export const requestIdOf = (headers: Headers.Headers): string | undefined =>
  RateLimitHeaders.headerOf(headers, "x-okta-request-id")

const truncate = (text: string): string =>
  text.length <= maxProblemLength ? text : `${text.slice(0, maxProblemLength)}… (${text.length} characters)`

/**
 * The body as bytes, read chunk by chunk with a running count: past `maxBytes` the read stops (the stream is
 * cancelled) and fails with `OktaInvalidResponse`, having held at most the limit plus one chunk. Kept as sent (outside
 * the JS heap), its text decoded only when something reads it, so a page of groups read from its bytes
 * ({@link Decoder.fromBytes}) never is. The client's `execute` answers with an {@link Answer} over it.
 */
export const readBodyBytes = (
  operation: string,
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number
): Effect.Effect<Body, OktaInvalidResponse | HttpClientError.ResponseError> =>
  Effect.suspend(() => {
    // Read once: a response builds its `Headers` anew on every read of `headers`.
    const headers = response.headers
    const tooLarge = (size: string) =>
      new OktaInvalidResponse({
        operation,
        problem: `response body larger than ${maxBytes} bytes (maxResponseBytes): ${size}`,
        requestId: requestIdOf(headers)
      })
    const length = RateLimitHeaders.headerOf(headers, "content-length")
    const declared = length === undefined ? NaN : Number(length)
    if (declared > maxBytes) return Effect.fail(tooLarge(`Content-Length ${declared}`))
    // A declared length within the limit bounds the body already (the HTTP parser reads exactly that much):
    // read it in one go, which costs far less than pulling a Stream chunk by chunk.
    if (Number.isSafeInteger(declared) && declared >= 0 && headers["content-encoding"] === undefined) {
      return Effect.map(response.arrayBuffer, (buffer) => new Body(new Uint8Array(buffer)))
    }
    let size = 0
    const chunks: Array<Uint8Array> = []
    return response.stream.pipe(
      Stream.runForEach((chunk) => {
        size += chunk.byteLength
        if (size > maxBytes) return Effect.fail(tooLarge(`at least ${size} bytes sent`))
        chunks.push(chunk)
        return Effect.void
      }),
      Effect.map(() => new Body(concat(chunks, size))),
      Effect.catchIf(
        (error) => error._tag === "ResponseError" && error.reason === "EmptyBody",
        () => Effect.succeed(new Body(new Uint8Array(0)))
      )
    )
  })

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/** The deepest nesting of arrays and objects in JSON text, counted without parsing (strings skipped). */
const depthOf = (text: string): number => {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123) deepest = Math.max(deepest, ++depth)
    else if (c === 93 || c === 125) depth--
  }
  return deepest
}

/** The body as JSON, or what is wrong with it. */
export const parseJson = (text: string, status: number): Either.Either<unknown, string> => {
  if (depthOf(text) > maxDepth) return Either.left(`the body nests deeper than ${maxDepth} levels (HTTP ${status})`)
  try {
    return Either.right(JSON.parse(text))
  } catch {
    return Either.left(`the body is not JSON (HTTP ${status})`)
  }
}

/** `a.b[0].c: message` for each issue of a decode failure, so the error says which field. */
const describeParseIssue = (issue: ParseResult.ParseIssue): string =>
  ParseResult.ArrayFormatter.formatIssueSync(issue).slice(0, 3).map((entry) => {
    const path = entry.path.map((key) => typeof key === "number" ? `[${key}]` : `.${String(key)}`).join("")
    return `${path === "" ? "(body)" : path.replace(/^\./, "")}: ${entry.message}`
  }).join("; ")

/**
 * Parses and decodes a 2xx body. Any failure, whatever the body's shape, is an `OktaInvalidResponse` naming the field,
 * its text passed through `scrub` and truncated.
 */
export const decode = <A>(
  operation: string,
  decoder: Decoder<A>,
  answered: Answered,
  scrub: (text: string) => string
): Effect.Effect<A, OktaInvalidResponse> => {
  const bytes = answered.bytes
  if (bytes !== undefined && decoder.fromBytes !== undefined) {
    const value = decoder.fromBytes(bytes)
    if (value !== undefined) return Effect.succeed(value)
  }
  const invalid = (problem: string) =>
    new OktaInvalidResponse({ operation, problem: truncate(scrub(problem)), requestId: requestIdOf(answered.headers) })
  const json = parseJson(answered.text, answered.status)
  if (Either.isLeft(json)) return Effect.fail(invalid(json.left))
  try {
    return Either.match(decoder(json.right), {
      onLeft: (issue) => Effect.fail(invalid(describeParseIssue(issue))),
      onRight: Effect.succeed
    })
  } catch (error) {
    // A decoder or its error formatting ran out of stack on a body the depth check let through.
    return Effect.fail(invalid(`the body could not be decoded: ${error instanceof Error ? error.name : "error"}`))
  }
}

const decodeErrorBody = ParseResult.decodeUnknownOption(OktaErrorBody)

/** The scope named by `WWW-Authenticate: ... error="insufficient_scope", scope="okta.users.read"`. */
const missingScope = (headers: Headers.Headers): string | undefined => {
  const value = RateLimitHeaders.headerOf(headers, "www-authenticate")
  if (value === undefined) return undefined
  return /(?:^|[\s,])scope="([^"]*)"/.exec(value)?.[1]
}

const details = (operation: string, answered: Answered, scrub: (text: string) => string) => {
  const body = Either.match(parseJson(answered.text, answered.status), {
    onLeft: () => undefined,
    onRight: (json) => Option.getOrUndefined(decodeErrorBody(json))
  })
  return {
    operation,
    errorCode: body?.errorCode !== undefined && body.errorCode !== "unknown"
      ? truncate(scrub(body.errorCode))
      : undefined,
    errorSummary: body?.errorSummary ? truncate(scrub(body.errorSummary)) : undefined,
    requestId: requestIdOf(answered.headers)
  }
}

/** Where a redirect points: the origin of its `Location` only (a query could carry anything). */
const redirectTarget = (answered: Answered, base: URL): string => {
  const location = RateLimitHeaders.headerOf(answered.headers, "location")
  if (location === undefined) return "without a Location"
  try {
    const target = new URL(location, base)
    return target.origin === base.origin ? `to ${target.origin}${target.pathname}` : `to ${target.origin}`
  } catch {
    return "to an unparseable Location"
  }
}

/** The typed error of a non-2xx answer to `url`, the `attempts`-th try of `bucket`'s request. */
export const failureOf = (
  request: { readonly operation: string; readonly bucket: string; readonly url: URL },
  answered: Answered,
  attempts: number,
  now: number,
  scrub: (text: string) => string
): OktaError => {
  const d = details(request.operation, answered, scrub)
  const status = answered.status
  switch (status) {
    case 401:
      return new OktaUnauthorized(d)
    case 403:
      return new OktaForbidden({ ...d, missingScope: missingScope(answered.headers) })
    case 404:
      return new OktaNotFound(d)
    case 429: {
      const info = RateLimitHeaders.parse(answered.headers, now)
      const concurrency = info?.limit === 0
      return new OktaRateLimited({
        ...d,
        bucket: concurrency ? concurrencyBucket : request.bucket,
        resetAt: info === undefined || concurrency ? undefined : DateTime.unsafeMake(info.resetAt)
      })
    }
  }
  if (status >= 300 && status < 400) {
    return new OktaInvalidResponse({
      ...d,
      problem: `HTTP ${status}, a redirect ${redirectTarget(answered, request.url)}; redirects are never followed ` +
        `(check OKTA_DOMAIN: it must be the org's own domain)`
    })
  }
  if (status >= 500) return new OktaTransient({ ...d, reason: `HTTP ${status}`, attempts })
  return new OktaBadRequest({ ...d, status })
}
