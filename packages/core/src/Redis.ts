/**
 * A connection to Redis, the shared store of several `enrich` processes (cache, single-flight locks, rate budget).
 *
 * The connection is a scoped Layer: it connects when built and quits when its scope closes. It is built for a store
 * that may go away: commands are bounded by a timeout and fail fast while Redis is unreachable (no offline queue), an
 * outage is reported by ONE warning, callers read {@link Service.available} to fall back to in-process state, and a
 * background probe reconnects with a capped exponential backoff.
 *
 * The password never leaves this module: URLs are shown as `redis://user:***@host:6379/0`.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { Redis as IORedis, RedisOptions } from "ioredis"
import { createHash } from "node:crypto"

/** The environment variable holding the Redis URL. */
export const urlEnv = "ENRICH_REDIS_URL"

/** A Redis URL that cannot be used. `url` has its password replaced by `***` (or is omitted when unparsable). */
export class RedisUrlInvalid extends Schema.TaggedError<RedisUrlInvalid>()("RedisUrlInvalid", {
  url: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `Invalid Redis URL ${this.url}: ${this.reason}. ` +
      `Expected redis://[user:password@]host[:port][/db], or rediss://... for TLS`
  }
}

/** A Redis command that failed or timed out, or was not sent because Redis is unavailable. No secrets inside. */
export class RedisError extends Schema.TaggedError<RedisError>()("RedisError", {
  url: Schema.String,
  command: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `Redis at ${this.url} failed on ${this.command}: ${this.reason}`
  }
}

/** Where to connect, parsed from a URL. */
export interface Location {
  readonly host: string
  readonly port: number
  readonly username: string | undefined
  readonly password: Redacted.Redacted<string> | undefined
  readonly db: number
  readonly tls: boolean
  /** The URL to show to a person: the password replaced by `***`. */
  readonly display: string
}

const unparsable = "(not shown: it is not a URL)"

/**
 * Parses `redis://[user[:password]@]host[:port][/db]` (`rediss://` for TLS). Fails with {@link RedisUrlInvalid}
 * naming the URL without its password.
 */
export const parseUrl = (url: string): Either.Either<Location, RedisUrlInvalid> => {
  let parsed: URL
  try {
    parsed = new URL(url.trim())
  } catch {
    return Either.left(new RedisUrlInvalid({ url: unparsable, reason: "it is not a URL" }))
  }
  const password = parsed.password === "" ? undefined : decodeURIComponent(parsed.password)
  const username = parsed.username === "" ? undefined : decodeURIComponent(parsed.username)
  const auth = username === undefined && password === undefined
    ? ""
    : `${parsed.username}${password === undefined ? "" : ":***"}@`
  const display = `${parsed.protocol}//${auth}${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`
  const fail = (reason: string) => Either.left(new RedisUrlInvalid({ url: display, reason }))
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    return fail(`the scheme must be redis:// or rediss://, not ${parsed.protocol}//`)
  }
  if (parsed.hostname === "") return fail("it names no host")
  if (parsed.search !== "" || parsed.hash !== "") return fail("query strings and fragments are not supported")
  const dbText = parsed.pathname.replace(/^\//, "")
  const db = dbText === "" ? 0 : Number(dbText)
  if (!/^\d*$/.test(dbText) || !Number.isSafeInteger(db)) {
    return fail(`the path must be a database number like /0, not /${dbText}`)
  }
  return Either.right({
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port === "" ? 6379 : Number(parsed.port),
    username,
    password: password === undefined ? undefined : Redacted.make(password),
    db,
    tls: parsed.protocol === "rediss:",
    display: `${parsed.protocol}//${auth}${parsed.hostname}:${parsed.port === "" ? 6379 : parsed.port}/${db}`
  })
}

/** How to reach Redis and how long to wait for it. */
export interface Options {
  /** `redis://` or `rediss://` URL; keep it `Redacted` when it holds a password. */
  readonly url: Redacted.Redacted<string> | string
  /** Bound of every command (default 1 second); a command that takes longer counts as an outage. */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /** Bound of the initial connection (default 2 seconds); past it the layer starts in fallback mode. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** First delay between reconnection attempts, doubled per attempt (default 100 ms). */
  readonly reconnectBackoff?: Duration.DurationInput | undefined
  /** Cap of the reconnection delay (default 5 seconds). */
  readonly reconnectBackoffCap?: Duration.DurationInput | undefined
}

/** A Lua script, sent by SHA-1 (`EVALSHA`) and loaded again when Redis lost it (restart, `SCRIPT FLUSH`). */
export interface Script {
  readonly name: string
  readonly source: string
  readonly sha1: string
}

/** Declares a Lua script for {@link Service.eval}. */
export const script = (name: string, source: string): Script => ({
  name,
  source,
  sha1: createHash("sha1").update(source).digest("hex")
})

/** The Redis connection. */
export interface Service {
  /** The URL with its password replaced by `***`, for messages. */
  readonly url: string
  /**
   * False during an outage (from the first failed command until a probe gets an answer again). Callers fall back to
   * in-process state instead of calling Redis while it is false.
   */
  readonly available: Effect.Effect<boolean>
  /** Outages seen since the connection was built. */
  readonly outages: Effect.Effect<number>
  /**
   * Runs a command with the client, bounded by the command timeout. Fails at once, without a round trip, while Redis
   * is unavailable. A connection failure or timeout starts an outage (one warning, background reconnection).
   */
  readonly command: <A>(name: string, run: (client: IORedis) => Promise<A>) => Effect.Effect<A, RedisError>
  /** Runs a Lua script (`EVALSHA`, falling back to `EVAL` when Redis does not know it), like {@link command}. */
  readonly eval: (
    script: Script,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string | number>
  ) => Effect.Effect<unknown, RedisError>
}

/** The shared Redis connection. */
export class Redis extends Context.Tag("@enrich/core/Redis")<Redis, Service>() {}

const errorText = (cause: unknown): string =>
  cause instanceof Error ? cause.message : typeof cause === "string" ? cause : "unknown error"

/** A reply of Redis itself (wrong type, script error): the server is there, so it is no outage. */
const isReply = (cause: unknown): boolean =>
  cause instanceof Error && (cause.name === "ReplyError" || cause.constructor.name === "ReplyError")

/**
 * Connects to Redis. Fails only when the URL is invalid: an unreachable Redis is an outage (a warning, fallback,
 * background reconnection), not an error, so a worker starts even when its shared store does not.
 */
export const make = (options: Options): Effect.Effect<Service, RedisUrlInvalid, Scope.Scope> =>
  Effect.gen(function*() {
    const rawUrl = typeof options.url === "string" ? options.url : Redacted.value(options.url)
    const location = yield* parseUrl(rawUrl)
    const url = location.display
    const commandTimeout = Duration.decode(options.commandTimeout ?? Duration.seconds(1))
    const connectTimeout = Duration.decode(options.connectTimeout ?? Duration.seconds(2))
    const backoff = Duration.toMillis(options.reconnectBackoff ?? Duration.millis(100))
    const backoffCap = Duration.toMillis(options.reconnectBackoffCap ?? Duration.seconds(5))
    const secret = location.password === undefined ? undefined : Redacted.value(location.password)
    // Whatever a client library puts in a message, the password must not reach a log.
    const sanitize = (text: string): string =>
      secret === undefined || secret === ""
        ? text
        : text.split(secret).join("***").split(encodeURIComponent(secret)).join("***")

    const clientOptions: RedisOptions = {
      host: location.host,
      port: location.port,
      db: location.db,
      lazyConnect: true,
      // Fail fast while disconnected: the caller falls back instead of queueing behind a dead socket.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: Duration.toMillis(commandTimeout),
      connectTimeout: Duration.toMillis(connectTimeout),
      retryStrategy: (times) => Math.min(backoffCap, backoff * 2 ** Math.max(0, times - 1)),
      ...(location.username === undefined ? {} : { username: location.username }),
      ...(secret === undefined ? {} : { password: secret }),
      ...(location.tls ? { tls: { servername: location.host } } : {})
    }
    // Loaded on first use: a process (or a bundle) that never asks for Redis does not pay for loading the client.
    const ioredis = yield* Effect.promise(() => import("ioredis"))
    // A bundler's wrapper of the CommonJS module may keep only its default export (module.exports, which has `Redis`).
    const Client = ioredis.Redis ?? ioredis.default.Redis
    const client = new Client(clientOptions)
    let lastError: string | undefined
    // Without a listener the library prints every connection error itself (with no control over its content).
    client.on("error", (error: unknown) => {
      lastError = sanitize(errorText(error))
    })

    const scope = yield* Effect.scope
    let available = true
    let outages = 0

    const ping = Effect.tryPromise(() => {
      // A client that gave up reconnecting is restarted by the probe.
      if (client.status === "end" || client.status === "wait") return client.connect().then(() => client.ping())
      return client.ping()
    }).pipe(Effect.timeout(connectTimeout))

    const probe = Effect.gen(function*() {
      let delay = backoff
      while (true) {
        yield* Effect.sleep(Duration.millis(delay))
        const answered = yield* Effect.isSuccess(ping)
        if (answered) {
          available = true
          yield* Effect.logInfo(`Redis at ${url} is available again; using the shared state`)
          return
        }
        delay = Math.min(backoffCap, delay * 2)
      }
    })

    const markDown = (reason: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (!available) return Effect.void
        available = false
        outages++
        return Effect.zipRight(
          Effect.logWarning(
            `Redis at ${url} is unavailable (${sanitize(reason)}); using in-process state until it is back`
          ),
          Effect.asVoid(Effect.forkIn(probe, scope))
        )
      })

    const unavailable = (name: string) =>
      new RedisError({ url, command: name, reason: `unavailable (${lastError ?? "connection lost"})` })

    const command = <A>(name: string, run: (client: IORedis) => Promise<A>): Effect.Effect<A, RedisError> =>
      Effect.suspend(() => {
        if (!available) return Effect.fail(unavailable(name))
        return Effect.tryPromise({
          try: () => run(client),
          catch: (cause) => cause
        }).pipe(
          Effect.timeoutFail({ duration: commandTimeout, onTimeout: () => new Error("timed out") }),
          Effect.catchAll((cause) => {
            const reason = sanitize(errorText(cause))
            const error = new RedisError({ url, command: name, reason })
            return isReply(cause) ? Effect.fail(error) : Effect.zipRight(markDown(reason), Effect.fail(error))
          })
        )
      })

    const evalScript: Service["eval"] = (s, keys, args) =>
      command(s.name, async (c) => {
        try {
          return await c.evalsha(s.sha1, keys.length, ...keys, ...args)
        } catch (error) {
          if (errorText(error).startsWith("NOSCRIPT")) return await c.eval(s.source, keys.length, ...keys, ...args)
          throw error
        }
      })

    yield* Effect.addFinalizer(() =>
      Effect.promise(() =>
        client.status === "ready" ? client.quit().then(() => undefined, () => undefined) : Promise.resolve()
      ).pipe(
        Effect.timeout(commandTimeout),
        Effect.ignore,
        Effect.zipRight(Effect.sync(() => client.disconnect()))
      )
    )

    const connected = yield* Effect.either(
      Effect.tryPromise(() => client.connect()).pipe(Effect.timeout(connectTimeout))
    )
    if (Either.isLeft(connected)) {
      // The connection's own error (refused, wrong password, TLS) says more than the rejected connect().
      yield* markDown(
        lastError ??
          (connected.left._tag === "TimeoutException" ? "connection timed out" : errorText(connected.left.error))
      )
    }

    return Redis.of({
      url,
      available: Effect.sync(() => available),
      outages: Effect.sync(() => outages),
      command,
      eval: evalScript
    })
  })

/** The Redis connection as a Layer: see {@link make}. */
export const layer = (options: Options): Layer.Layer<Redis, RedisUrlInvalid> => Layer.scoped(Redis, make(options))

/**
 * `ENRICH_REDIS_URL`, read as a secret and checked: a malformed URL or a wrong scheme is a `ConfigError` naming the
 * variable and the URL without its password.
 */
export const urlConfig: Config.Config<Redacted.Redacted<string>> = Config.redacted(urlEnv).pipe(
  Config.mapOrFail((url) =>
    Either.match(parseUrl(Redacted.value(url)), {
      onLeft: (error) => Either.left(ConfigError.InvalidData([urlEnv], error.message)),
      onRight: () => Either.right(url)
    })
  )
)

/** The Redis connection with its options read from `Config` (e.g. `{ url: Redis.urlConfig }`). */
export const layerConfig = (
  options: Config.Config.Wrap<Options>
): Layer.Layer<Redis, ConfigError.ConfigError | RedisUrlInvalid> =>
  Layer.scoped(Redis, Effect.flatMap(Config.unwrap(options), make))
