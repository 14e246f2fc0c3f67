/**
 * How each fault that shapes an answer is sent: header overrides, deep nesting, oversized bodies, gzip bombs, slow
 * drips, echoed credentials, resets in the middle of a body, redirects and foreign `Link` origins. Every wait is an
 * `Effect.sleep`, so a `TestClock` drives it.
 *
 * @internal
 */
import { Effect } from "effect"
import type * as Http from "node:http"
import * as Zlib from "node:zlib"
import type { Fault } from "./faults.js"
import { flush, type Headers, send, write, writeHead } from "./server.js"
import type { ErrorBody, Reply } from "./wire.js"

/** An answer about to be sent, and what a fault may need to reshape it. */
export interface Outgoing {
  readonly req: Http.IncomingMessage
  readonly res: Http.ServerResponse
  /** The sandbox's origin: the prefix of its own `Link` URLs. */
  readonly url: string
  readonly reply: Reply
  readonly headers: Headers
  readonly error: ErrorBody
  /** Records the outcome (a status, or `"reset"`) in the counters. */
  readonly count: (outcome: string) => void
}

const chunkSize = 64 * 1024

/** Replaces headers, ignoring the case of their names. */
export const override = (headers: Headers, overrides: { readonly [name: string]: string }): Headers => {
  const out: Headers = {}
  const replaced = new Set(Object.keys(overrides).map((name) => name.toLowerCase()))
  for (const name in headers) if (!replaced.has(name.toLowerCase())) out[name] = headers[name]
  return { ...out, ...overrides }
}

const withLinks = (headers: Headers, links: ReadonlyArray<string> | undefined): Headers =>
  links === undefined ? headers : { ...headers, Link: links }

const sendChunks = (
  out: Outgoing,
  status: number,
  headers: Headers,
  chunks: Iterable<string | Buffer>,
  pause: Effect.Effect<void> = Effect.void
): Effect.Effect<void> =>
  Effect.gen(function*() {
    out.count(String(status))
    if (!writeHead(out.res, status, headers)) return
    for (const chunk of chunks) {
      yield* pause
      if (!(yield* write(out.res, chunk))) return
    }
    out.res.end()
  })

// One gzip member of 1 MiB of spaces (about 1 KB compressed): a bomb repeats it; gzip readers inflate concatenated
// members as one stream. Built on first use, not at import.
let spaceMember: Buffer | undefined
const mebibyte = 1024 * 1024

function* bombMembers(inflatedBytes: number, json: string): Generator<Buffer> {
  spaceMember ??= Zlib.gzipSync(Buffer.alloc(mebibyte, 0x20))
  for (let i = 0; i < Math.floor(inflatedBytes / mebibyte); i++) yield spaceMember
  if (inflatedBytes % mebibyte > 0) yield Zlib.gzipSync(Buffer.alloc(inflatedBytes % mebibyte, 0x20))
  // Leading whitespace is valid JSON: a reader that inflates everything still gets the real answer at the end.
  yield Zlib.gzipSync(json)
}

function* padded(json: string, bytes: number): Generator<string> {
  // An object gets a huge string property (a realistic oversized profile); anything else leading whitespace.
  const isObject = json.startsWith("{")
  const head = isObject ? `{"sandboxPadding":"` : ""
  const tail = isObject ? (json === "{}" ? `"}` : `",${json.slice(1)}`) : json
  let remaining = Math.max(0, bytes - head.length - tail.length)
  yield head
  const filler = (isObject ? "x" : " ").repeat(Math.min(chunkSize, remaining))
  while (remaining > 0) {
    const n = Math.min(chunkSize, remaining)
    yield n === filler.length ? filler : filler.slice(0, n)
    remaining -= n
  }
  yield tail
}

function* slices(body: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size)
}

const withAuthorization = (body: unknown, authorization: string): unknown => {
  const stamp = (item: unknown) =>
    item !== null && typeof item === "object" && !Array.isArray(item) ? { ...item, authorization } : item
  return Array.isArray(body) ? body.map(stamp) : stamp(body)
}

/** Sends `out.reply` the way `fault` says (`Status`, `Reset` and `Latency` are the pipeline's: sent as is here). */
export const answer = (fault: Fault, out: Outgoing): Effect.Effect<void> => {
  const { reply, res } = out
  const headers = withLinks(out.headers, reply.links)
  const json = () => JSON.stringify(reply.body)
  const plain = (status: number, h: Headers, body: string | Buffer | undefined) =>
    Effect.sync(() => {
      out.count(String(status))
      send(res, status, h, body)
    })
  switch (fault._tag) {
    case "None":
    case "Latency":
    case "Status":
    case "Reset":
      return plain(reply.status, headers, json())
    case "MalformedJson": {
      const body = json()
      return plain(reply.status, headers, body.slice(0, Math.max(1, Math.floor(body.length / 2))))
    }
    case "Headers": {
      if (fault.status === undefined || fault.status < 300) {
        return plain(fault.status ?? reply.status, override(headers, fault.headers), json())
      }
      return plain(fault.status, override(out.headers, fault.headers), JSON.stringify(out.error(fault.status)))
    }
    case "DeepNesting":
      return plain(200, out.headers, "[".repeat(fault.depth) + "]".repeat(fault.depth))
    case "Oversized":
      return sendChunks(out, reply.status, headers, padded(json(), fault.bytes))
    case "GzipBomb":
      return sendChunks(
        out,
        reply.status,
        { ...headers, "Content-Encoding": "gzip" },
        bombMembers(fault.inflatedBytes, json())
      )
    case "SlowDrip": {
      const body = Buffer.from(json())
      return sendChunks(
        out,
        reply.status,
        { ...headers, "Content-Length": String(body.length) },
        slices(body, fault.chunkBytes),
        Effect.sleep(fault.interval)
      )
    }
    case "EchoAuthorization": {
      const authorization = out.req.headers.authorization ?? ""
      const echoed = { ...headers, "X-Echo-Authorization": authorization }
      return fault.status >= 300
        ? plain(
          fault.status,
          echoed,
          JSON.stringify(out.error(fault.status, `Rejected Authorization: ${authorization}`, [authorization]))
        )
        : plain(fault.status, echoed, JSON.stringify(withAuthorization(reply.body, authorization)))
    }
    case "ResetMidBody":
      return Effect.gen(function*() {
        const body = Buffer.from(json())
        out.count("reset")
        if (!writeHead(res, reply.status, { ...headers, "Content-Length": String(body.length) })) return
        yield* flush(res, body.subarray(0, Math.floor(body.length / 2)))
        out.req.socket.destroy()
      })
    case "Redirect": {
      const target = `${fault.origin}${out.req.url ?? "/"}`
      return plain(fault.status, { ...out.headers, Location: target, "Content-Length": "0" }, undefined)
    }
    case "ForeignLinks": {
      const links = reply.links?.map((line) =>
        line.startsWith(`<${out.url}`) ? `<${fault.origin}${line.slice(out.url.length + 1)}` : line
      )
      return plain(reply.status, withLinks(out.headers, links), json())
    }
  }
}
