/**
 * The sandbox's HTTP server: a Node `http` server on a loopback port for the lifetime of a scope, each request run
 * as a fiber of that scope (so the `Clock`, `Random` and interruption are Effect's), and the low-level writers the
 * routes and faults use.
 *
 * @internal
 */
import { Effect, FiberSet, type Scope } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** Response headers; `Link` may have several lines. */
export type Headers = Record<string, string | ReadonlyArray<string>>

/** Starts the server; the scope stops it (and interrupts every request still running). Fails with the listen error. */
export const serve = (
  options: { readonly port: number; readonly host: string },
  handle: (req: Http.IncomingMessage, res: Http.ServerResponse) => Effect.Effect<void>
): Effect.Effect<{ readonly url: string }, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const fibers = yield* FiberSet.make<void, never>()
    const run = yield* FiberSet.runtime(fibers)<never>()
    const server = yield* Effect.acquireRelease(
      Effect.async<Http.Server, Error>((resume) => {
        const server = Http.createServer((req, res) => {
          // The Date header comes from Effect's Clock, not Node's.
          res.sendDate = false
          run(handle(req, res))
        })
        server.keepAliveTimeout = 5_000
        const onError = (error: Error) => resume(Effect.fail(error))
        server.once("error", onError)
        server.listen(options.port, options.host, () => {
          server.off("error", onError)
          resume(Effect.succeed(server))
        })
      }),
      (server) =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    const address = server.address() as AddressInfo
    const host = options.host.includes(":") ? `[${options.host}]` : options.host
    return { url: `http://${host}:${address.port}` }
  })

/** Sends a whole answer at once (nothing if the connection is gone or already answered). */
export const send = (res: Http.ServerResponse, status: number, headers: Headers, body: string | Buffer | undefined) => {
  if (res.headersSent || res.destroyed) return
  for (const name in headers) res.setHeader(name, headers[name])
  res.statusCode = status
  res.end(body)
}

/** Sends the status and headers now, before any body byte. */
export const writeHead = (res: Http.ServerResponse, status: number, headers: Headers): boolean => {
  if (res.headersSent || res.destroyed) return false
  for (const name in headers) res.setHeader(name, headers[name])
  res.statusCode = status
  res.flushHeaders()
  return true
}

/** Writes one body chunk, waiting for the socket to drain; `false` once the client is gone. */
export const write = (res: Http.ServerResponse, chunk: string | Buffer): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    if (res.destroyed || res.writableEnded) return resume(Effect.succeed(false))
    const onClose = () => {
      res.off("drain", onDrain)
      resume(Effect.succeed(false))
    }
    const onDrain = () => {
      res.off("close", onClose)
      resume(Effect.succeed(true))
    }
    if (res.write(chunk)) return resume(Effect.succeed(true))
    res.once("drain", onDrain)
    res.once("close", onClose)
    return Effect.sync(() => {
      res.off("drain", onDrain)
      res.off("close", onClose)
    })
  })

/** Writes a chunk and waits until the kernel has taken it (so a following socket reset cannot overtake it). */
export const flush = (res: Http.ServerResponse, chunk: string | Buffer): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (res.destroyed) return resume(Effect.void)
    res.write(chunk, () => resume(Effect.void))
  })

/** The request body as text (empty when the client stops sending). */
export const readBody = (req: Http.IncomingMessage): Effect.Effect<string> =>
  Effect.async<string>((resume) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
    req.on("error", () => resume(Effect.succeed("")))
  })
