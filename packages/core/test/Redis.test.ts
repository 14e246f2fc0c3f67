import { describe, expect, it } from "@effect/vitest"
import * as Redis from "@enrich/core/Redis"
import { ConfigProvider, Duration, Effect, Either, Exit, Layer, Logger, Redacted, Schedule } from "effect"
import { Redis as IORedis } from "ioredis"
import * as RedisServer from "./support/redisServer.js"

const secret = "s3cr3t-Pa55"

const captureLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    lines.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

const invalid = (url: string) => {
  const parsed = Redis.parseUrl(url)
  if (Either.isRight(parsed)) throw new Error(`expected ${url} to be rejected`)
  return parsed.left
}

describe("Redis URL", () => {
  it("reads host, port, user, password, database and TLS, and shows the URL without its password", () => {
    const parsed = Redis.parseUrl(`rediss://enrich:${secret}@cache.example.com:6380/2`)
    expect(Either.isRight(parsed)).toBe(true)
    if (Either.isLeft(parsed)) return
    expect(parsed.right).toMatchObject({ host: "cache.example.com", port: 6380, username: "enrich", db: 2, tls: true })
    expect(Redacted.value(parsed.right.password ?? Redacted.make(""))).toBe(secret)
    expect(parsed.right.display).toBe("rediss://enrich:***@cache.example.com:6380/2")
    expect(Either.getOrThrow(Redis.parseUrl("redis://localhost"))).toMatchObject({
      port: 6379,
      db: 0,
      tls: false,
      username: undefined,
      password: undefined,
      display: "redis://localhost:6379/0"
    })
  })

  it("rejects malformed URLs, wrong schemes and bad databases without printing the password", () => {
    const cases = [
      { url: `not a url ${secret}`, reason: "it is not a URL" },
      { url: `http://enrich:${secret}@cache.example.com`, reason: "the scheme must be redis:// or rediss://" },
      { url: `redis://enrich:${secret}@cache.example.com/zero`, reason: "database number" },
      { url: `redis://enrich:${secret}@cache.example.com:6379/0?tls=true`, reason: "query strings" },
      { url: `redis://enrich:${secret}@cache.example.com:99999/0`, reason: "it is not a URL" }
    ]
    for (const { reason, url } of cases) {
      const error = invalid(url)
      expect(error.message).toContain(reason)
      expect(error.message).not.toContain(secret)
      expect(JSON.stringify(error)).not.toContain(secret)
    }
    expect(invalid(`http://enrich:${secret}@cache.example.com`).message).toContain(
      "http://enrich:***@cache.example.com"
    )
  })

  it.effect("ENRICH_REDIS_URL: a malformed value is a ConfigError naming the variable, without the password", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Redis.urlConfig.pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["ENRICH_REDIS_URL", `ftp://u:${secret}@h/0`]])))
      ))
      expect(Exit.isFailure(exit)).toBe(true)
      const text = String(Exit.isFailure(exit) ? exit.cause : "")
      expect(text).toContain("ENRICH_REDIS_URL")
      expect(text).toContain("scheme")
      expect(text).not.toContain(secret)
    }))

  it.effect("layerConfig fails with the variable's name when ENRICH_REDIS_URL is missing", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Layer.build(Redis.layerConfig({ url: Redis.urlConfig })).pipe(
          Effect.scoped,
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
        )
      )
      expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain("ENRICH_REDIS_URL")
    }))
})

RedisServer.describeRedis("Redis connection", () => {
  // Generous bounds: a loaded machine must not look like an outage.
  const quick = { commandTimeout: Duration.seconds(3), connectTimeout: Duration.seconds(3) }

  it.live("connects with a password, and quits when its scope closes", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const admin = yield* Effect.acquireRelease(
        Effect.sync(() => new IORedis({ port: server.port, host: "127.0.0.1" })),
        (c) => Effect.sync(() => c.disconnect())
      )
      yield* Effect.promise(() => admin.config("SET", "requirepass", secret))
      yield* Effect.promise(() => admin.auth(secret))
      const clients = Effect.promise(() => admin.client("LIST").then((list) => String(list).trim().split("\n").length))

      const answer = yield* Effect.scoped(Effect.gen(function*() {
        const redis = yield* Redis.make({
          url: Redacted.make(`redis://default:${secret}@127.0.0.1:${server.port}/3`),
          ...quick
        })
        expect(yield* clients).toBe(2)
        return yield* redis.command("PING", (c) => c.ping())
      }))

      expect(answer).toBe("PONG")
      yield* Effect.promise(() => admin.ping()).pipe(
        Effect.zipRight(clients),
        Effect.repeat({ until: (n) => n === 1, schedule: Schedule.spaced(Duration.millis(5)) }),
        Effect.timeout(Duration.seconds(3))
      )
    }).pipe(Effect.scoped))

  it.live("a wrong password or an unreachable server is one warning, and no message carries the password", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const server = yield* RedisServer.make
      const admin = yield* Effect.acquireRelease(
        Effect.sync(() => new IORedis({ port: server.port, host: "127.0.0.1" })),
        (c) => Effect.sync(() => c.disconnect())
      )
      yield* Effect.promise(() => admin.config("SET", "requirepass", "the-right-one"))

      const wrong = yield* Redis.make({ url: `redis://default:${secret}@127.0.0.1:${server.port}/0`, ...quick })
      const failed = yield* Effect.flip(wrong.command("PING", (c) => c.ping()))
      yield* server.kill
      const gone = yield* Redis.make({ url: `redis://default:${secret}@127.0.0.1:${server.port}/0`, ...quick })
      const goneError = yield* Effect.flip(gone.command("GET", (c) => c.get("k")))

      expect(yield* wrong.available).toBe(false)
      expect(yield* gone.available).toBe(false)
      expect(failed.message).toContain(`redis://default:***@127.0.0.1:${server.port}/0`)
      expect(goneError.message).toContain("unavailable")
      const warnings = logs.lines.filter((l) => l.startsWith("WARN"))
      expect(warnings).toHaveLength(2)
      expect(warnings[0]).toContain("WRONGPASS")
      expect(warnings[1]).toContain("ECONNREFUSED")
      for (const text of [...logs.lines, failed.message, goneError.message, JSON.stringify(failed)]) {
        expect(text).not.toContain(secret)
      }
    }).pipe(Effect.scoped, Effect.provide(logs.layer))
  })

  it.live("a worker started while Redis is down starts in fallback and picks Redis up once it is there", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      yield* server.kill
      const redis = yield* Redis.make({
        url: server.url,
        ...quick,
        reconnectBackoff: Duration.millis(20),
        reconnectBackoffCap: Duration.millis(100)
      })
      expect(yield* redis.available).toBe(false)

      yield* server.start
      yield* redis.available.pipe(
        Effect.repeat({ until: (up) => up, schedule: Schedule.spaced(Duration.millis(10)) }),
        Effect.timeoutFail({ duration: Duration.seconds(3), onTimeout: () => new Error("never reconnected") })
      )

      expect(yield* redis.command("SET", (c) => c.set("k", "v"))).toBe("OK")
      expect(yield* redis.outages).toBe(1)
    }).pipe(Effect.scoped, Effect.provide(Logger.remove(Logger.defaultLogger))))
})
