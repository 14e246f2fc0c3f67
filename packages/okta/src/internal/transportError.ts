/**
 * What a transport error means for the person running enrich: which host could not be reached, the low-level code
 * (found anywhere in the `cause` chain: undici nests it two levels deep) and what to check.
 *
 * @internal
 */

/** The `code` (e.g. `ECONNREFUSED`) and innermost useful message along an error's `cause` chain (bounded). */
const causeChain = (error: unknown): { readonly code?: string; readonly message?: string } => {
  let code: string | undefined
  let message: string | undefined
  let current: unknown = error
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const cause: unknown = Reflect.get(current, "cause")
    const c: unknown = Reflect.get(current, "code")
    const m: unknown = Reflect.get(current, "message")
    if (code === undefined && typeof c === "string" && c !== "") code = c
    // Wrappers such as undici's "fetch failed" say less than what they wrap, so the innermost message wins.
    if (typeof m === "string" && m !== "") message = m
    current = cause
  }
  return { ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) }
}

const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT"
])

const isCertificateCode = (code: string) => /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/.test(code)

/** The parts of an `HttpClientError` the description reads. */
export interface TransportError {
  readonly _tag: "RequestError" | "ResponseError"
  readonly reason: string
  readonly description?: string | undefined
  readonly cause?: unknown
}

/** `cannot connect to <host>: ECONNREFUSED ... (check OKTA_DOMAIN ...)`, a TLS hint, or `network error ...`. */
export const describe = (error: TransportError, host: string): string => {
  const { code, message } = causeChain(error.cause)
  const detail = [code, message !== undefined && (code === undefined || !message.includes(code)) ? message : undefined]
    .filter((part): part is string => part !== undefined)
    .join(": ") || error.description || error.reason
  if (code !== undefined && isCertificateCode(code)) {
    return `TLS certificate of ${host} not accepted: ${detail} (check OKTA_DOMAIN; behind a TLS-intercepting proxy, ` +
      `set NODE_EXTRA_CA_CERTS)`
  }
  // fetch refuses some ports outright ("bad port") before connecting: also a wrong OKTA_DOMAIN.
  if (error._tag === "RequestError" && (code !== undefined ? CONNECT_CODES.has(code) : message === "bad port")) {
    return `cannot connect to ${host}: ${detail} (check OKTA_DOMAIN and the network path to it)`
  }
  const what = error._tag === "RequestError" ? "talking to" : "reading the response from"
  return `network error ${what} ${host}: ${detail}`
}
