/**
 * Okta's wire conventions the sandbox follows on every route: the error body, request and error ids, `limit`
 * parsing and `Link` lines.
 *
 * @internal
 */
import { Option } from "effect"

/** What a route answers: a status, a JSON body and, for paged lists, the `Link` header lines. */
export interface Reply {
  readonly status: number
  readonly body: unknown
  readonly links?: ReadonlyArray<string> | undefined
  /** Headers beyond the pipeline's (e.g. `DPoP-Nonce` from the token endpoint). */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

const errorTexts: Record<number, readonly [string, string]> = {
  400: ["E0000001", "Api validation failed"],
  401: ["E0000011", "Invalid token provided"],
  403: ["E0000006", "You do not have permission to perform the requested action"],
  404: ["E0000007", "Not found: Resource not found"],
  405: ["E0000022", "The endpoint does not support the provided HTTP method"],
  429: ["E0000047", "API call exceeded rate limit due to too many requests."],
  500: ["E0000009", "Internal Server Error"],
  503: ["E0000009", "Service Unavailable"]
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/** Okta-shaped 20-character ids (`X-Okta-Request-Id`, `errorId`), unique within one sandbox. */
export const makeIds = (): (prefix: string) => string => {
  let sequence = 0
  return (prefix) => {
    sequence++
    let n = sequence
    let suffix = ""
    for (let i = 0; i < 8; i++) {
      suffix = idAlphabet[n % 62] + suffix
      n = Math.floor(n / 62)
    }
    return `${prefix}sbx${"0".repeat(20 - prefix.length - 11)}${suffix}`
  }
}

/** Okta's error body: `errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`. */
export type ErrorBody = (
  status: number,
  summary?: string,
  causes?: ReadonlyArray<string>,
  errorCode?: string
) => {
  readonly errorCode: string
  readonly errorSummary: string
  readonly errorLink: string
  readonly errorId: string
  readonly errorCauses: ReadonlyArray<{ readonly errorSummary: string }>
}

export const makeErrorBody =
  (nextId: (prefix: string) => string): ErrorBody => (status, summary, causes = [], code) => {
    const [defaultCode, text] = errorTexts[status] ?? errorTexts[500]
    const errorCode = code ?? defaultCode
    return {
      errorCode,
      errorSummary: summary ?? text,
      errorLink: errorCode,
      errorId: nextId("oae"),
      errorCauses: causes.map((errorSummary) => ({ errorSummary }))
    }
  }

/** A `limit` query parameter: `fallback` when absent or not a positive integer, at most `max`. */
export const pageLimit = (raw: string | null, fallback: number, max: number): number => {
  if (raw === null) return fallback
  const n = Number.parseInt(raw, 10)
  if (!Number.isFinite(n) || n < 1) return fallback
  return Math.min(n, max)
}

const encodeQuery = (params: URLSearchParams): string => params.toString().replace(/\+/g, "%20")

/** Where a request came in, to build its `Link` lines. */
export interface LinkBase {
  /** The sandbox's origin, e.g. `http://127.0.0.1:54321`. */
  readonly url: string
  readonly path: string
  readonly rawQuery: string
  readonly params: URLSearchParams
}

/** The `rel="self"` line: the request's own URL. */
export const selfLink = (base: LinkBase): string =>
  `<${base.url}${base.path}${base.rawQuery === "" ? "" : `?${base.rawQuery}`}>; rel="self"`

/**
 * The `Link` lines of a page: `self`, and `next` (same query, `after` = the cursor) when there is a next page.
 * `repeatCursor` reproduces Okta's repeated-cursor bug: the next link carries the request's own `after`.
 */
export const pagedLinks = (
  base: LinkBase,
  next: Option.Option<string>,
  limit: number,
  repeatCursor: boolean
): Array<string> => {
  const links = [selfLink(base)]
  const after = base.params.get("after")
  const cursor = repeatCursor && after !== null ? Option.some(after) : next
  if (Option.isSome(cursor)) {
    const nextParams = new URLSearchParams()
    nextParams.set("after", cursor.value)
    for (const [key, value] of base.params) if (key !== "after" && key !== "limit") nextParams.append(key, value)
    nextParams.set("limit", String(limit))
    links.push(`<${base.url}${base.path}?${encodeQuery(nextParams)}>; rel="next"`)
  }
  return links
}
