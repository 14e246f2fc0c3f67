/**
 * An in-process OTLP/HTTP receiver (JSON) on a loopback port: it records every export request it is sent.
 */
import * as Effect from "effect/Effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

export interface Export {
  readonly path: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: unknown
}

export interface OtlpReceiver {
  readonly url: string
  readonly exports: ReadonlyArray<Export>
  /** The names of every span received. */
  readonly spanNames: () => ReadonlyArray<string>
  /** Every span received, as OTLP JSON objects. */
  readonly spans: () => ReadonlyArray<{ readonly name: string; readonly attributes: ReadonlyArray<unknown> }>
}

interface TracesBody {
  readonly resourceSpans?: ReadonlyArray<{
    readonly scopeSpans?: ReadonlyArray<{
      readonly spans?: ReadonlyArray<{ readonly name: string; readonly attributes: ReadonlyArray<unknown> }>
    }>
  }>
}

export const start = Effect.acquireRelease(
  Effect.async<{ server: Http.Server; exports: Array<Export> }>((resume) => {
    const exports: Array<Export> = []
    const server = Http.createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        exports.push({ path: request.url ?? "", headers: request.headers, body: JSON.parse(text) })
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, exports })))
  }),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
    })
).pipe(Effect.map(({ exports, server }): OtlpReceiver => {
  const spans = () =>
    exports.filter((e) => e.path === "/v1/traces").flatMap((e) =>
      ((e.body as TracesBody).resourceSpans ?? []).flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? []))
    )
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    spans,
    spanNames: () => spans().map((span) => span.name)
  }
}))
