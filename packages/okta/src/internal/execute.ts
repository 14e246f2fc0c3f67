/**
 * Sending one request to Okta: authentication, the transport (redirects never followed, on any transport), the body
 * read within its cap, the rate limiter, and the retries {@link Retry.retrying} allows within the operation's deadline.
 *
 * @internal
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import type * as OktaAuth from "../OktaAuth.js"
import type * as OktaConfig from "../OktaConfig.js"
import type { OktaError } from "../OktaError.js"
import { OktaRateLimited, OktaTransient, OktaUnauthorized } from "../OktaError.js"
import * as OktaMetrics from "../OktaMetrics.js"
import type * as RateLimiter from "../RateLimiter.js"
import * as AttemptTimeout from "./attemptTimeout.js"
import * as Backoff from "./backoff.js"
import * as Response from "./response.js"
import * as Retry from "./retry.js"
import * as TransportError from "./transportError.js"

/** A request on its way: where it goes, which bucket it counts against, how errors name it. */
export interface Call {
  readonly url: URL
  readonly bucket: string
  readonly operation: string
}

/** The request did not get an answer (network error or timeout). */
interface Unanswered {
  readonly _tag: "Unanswered"
  readonly reason: string
}

/** An answer and the request it answers, as authenticated (for {@link OktaAuth.Service.challenge}). */
interface Sent extends Response.Answered {
  readonly request: HttpClientRequest.HttpClientRequest
}

const TRANSIENT_STATUS = new Set([500, 502, 503, 504])

/**
 * OpenTelemetry's HTTP client attributes of a bucket (`GET /api/v1/users/{id}`): method and endpoint template, plus
 * one more label (the status, the kind of 429) when given. Built once per combination: requests allocate none.
 */
const labelCache = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
const labelsOf = (bucket: string, key?: string, value?: string | number): ReadonlyArray<MetricLabel.MetricLabel> => {
  const id = key === undefined ? bucket : `${bucket}\u0000${key}\u0000${value}`
  let labels = labelCache.get(id)
  if (labels === undefined) {
    const space = bucket.indexOf(" ")
    labels = [
      OktaMetrics.label("http.request.method", space < 0 ? "GET" : bucket.slice(0, space)),
      OktaMetrics.label("url.template", space < 0 ? bucket : bucket.slice(space + 1)),
      ...(key === undefined ? [] : [OktaMetrics.label(key, value ?? "")])
    ]
    labelCache.set(id, labels)
  }
  return labels
}

/** Sends `call`s; `scrub` removes the token from any text a server echoes. */
export const make = (
  settings: OktaConfig.Settings,
  auth: OktaAuth.Service,
  http: HttpClient.HttpClient,
  limiter: RateLimiter.Service,
  scrub: (text: string) => string
): (call: Call, deadline: number) => Effect.Effect<Response.Answered, OktaError> => {
  const timeoutText = `timeout after ${Duration.format(settings.timeout)}`
  const onTimeout = (): Unanswered => ({ _tag: "Unanswered", reason: timeoutText })

  /**
   * Redirects are never followed, whatever the transport: fetch is told so (undici and node:http never follow),
   * and a 3xx is an error naming where it pointed.
   */
  const send = (request: HttpClientRequest.HttpClientRequest) =>
    Effect.flatMap(
      Effect.serviceOption(FetchHttpClient.RequestInit),
      (init) =>
        Effect.provideService(
          http.execute(request),
          FetchHttpClient.RequestInit,
          { ...Option.getOrUndefined(init), redirect: "manual" }
        )
    )

  /**
   * One request and its body, or why there was no answer. Authenticated anew per attempt unless the credentials are
   * static (`authorize`): a DPoP proof is single-use.
   */
  const attempt = (
    request: HttpClientRequest.HttpClientRequest,
    call: Call
  ): Effect.Effect<Sent, Unanswered | OktaError> =>
    Effect.clockWith((clock) => {
      const started = clock.unsafeCurrentTimeMillis()
      return Effect.tap(answer(request, call), (answered) => {
        const labels = labelsOf(call.bucket, "http.response.status_code", answered.status)
        OktaMetrics.requests.unsafeUpdate(1, labels)
        OktaMetrics.requestDuration.unsafeUpdate((clock.unsafeCurrentTimeMillis() - started) / 1000, labels)
        if (answered.status === 429) {
          const kind = answered.headers["x-rate-limit-limit"] === "0" ? "concurrency" : "rate"
          OktaMetrics.rateLimited.unsafeUpdate(1, labelsOf(call.bucket, "enrich.okta.limit_kind", kind))
        }
      })
    })

  const answer = (
    request: HttpClientRequest.HttpClientRequest,
    call: Call
  ): Effect.Effect<Sent, Unanswered | OktaError> =>
    authenticate(request).pipe(
      Effect.flatMap((authenticated) =>
        Effect.flatMap(send(authenticated), (response) =>
          Effect.map(
            Response.readBodyBytes(call.operation, response, settings.maxResponseBytes),
            (body): Sent => new Response.Answer(authenticated, response.status, response.headers, body)
          ))
      ),
      Effect.catchTag("RequestError", "ResponseError", (error) =>
        Effect.fail<Unanswered>({
          _tag: "Unanswered",
          reason: scrub(TransportError.describe(error, call.url.host))
        })),
      (sent) => AttemptTimeout.timeoutFail(sent, settings.timeout, onTimeout)
    )

  // The headers every request carries, built once; with credentials that do not change per request (SSWS), the
  // authorization too: a call's request is then built once and reused by its retries, with no Effect per attempt.
  const staticHeaders = Headers.fromInput({ accept: "application/json", "user-agent": settings.userAgent })
  const authorize = auth.authorize
  const baseRequest = (call: Call): HttpClientRequest.HttpClientRequest => {
    const base = HttpClientRequest.setHeaders(HttpClientRequest.get(call.url), staticHeaders)
    return authorize === undefined ? base : authorize(base)
  }
  const authenticate = authorize === undefined ? auth.authenticate : Effect.succeed

  const request = (base: HttpClientRequest.HttpClientRequest, retry: number, retryFor: string | undefined) => {
    if (retry === 0) return base
    const counted = HttpClientRequest.setHeader(base, "x-okta-retry-count", String(retry))
    return retryFor === undefined ? counted : HttpClientRequest.setHeader(counted, "x-okta-retry-for", retryFor)
  }

  /**
   * Sends one request through the rate limiter, retrying as {@link Retry.retrying} allows within the operation's
   * `deadline` (epoch millis). Succeeds with a 2xx answer only.
   */
  const execute = (call: Call, deadline: number): Effect.Effect<Response.Answered, OktaError> =>
    Effect.suspend(() => {
      let retry = 0
      let retryFor: string | undefined
      const retryable = (failure: OktaError, delay: Effect.Effect<Duration.Duration> | undefined) =>
        retry < settings.maxRetries && delay !== undefined
          ? Effect.flatMap(delay, (d): Effect.Effect<never, Retry.Retryable> =>
            Effect.fail({ failure, delay: Option.some(d) }))
          : Effect.fail<Retry.Retryable>({ failure, delay: Option.none() })
      // One challenged request (401/403 the auth says to retry: DPoP nonce, revoked token) is sent again once per
      // operation, on top of the transient retries and not counted against them.
      let challenged = false
      const challenge = auth.challenge
      const base = baseRequest(call)
      const sendOnce = () =>
        limiter.run(call.bucket, attempt(request(base, retry, retryFor), call), deadline)
      const sendAnswering = challenge === undefined ? sendOnce : () =>
        Effect.flatMap(sendOnce(), (sent) => {
          const status = sent.status
          if (challenged || (status !== 401 && status !== 403)) return Effect.succeed(sent)
          return Effect.flatMap(
            challenge(sent.request, { status, headers: sent.headers }),
            (verdict) => {
              if (verdict !== "retry") return Effect.succeed(sent)
              challenged = true
              return sendOnce()
            }
          )
        })
      const backoff = () =>
        Backoff.jittered(Duration.toMillis(settings.retryBackoff), Duration.toMillis(settings.retryBackoffCap), retry)
      const once = Effect.suspend(() =>
        sendAnswering().pipe(
          Effect.either,
          Effect.flatMap((result): Effect.Effect<Response.Answered, Retry.Retryable> => {
            if (Either.isLeft(result)) {
              const error = result.left
              if (error._tag === "WaitBeyondDeadline") {
                return Effect.fail({
                  failure: new OktaRateLimited({
                    operation: call.operation,
                    bucket: error.bucket,
                    resetAt: error.resetAt,
                    reason: `waiting ${Math.ceil(error.waitMillis / 1000)}s for it would pass the operation's ` +
                      `deadline of ${Duration.format(settings.operationDeadline)}`
                  }),
                  delay: Option.none()
                })
              }
              if (error._tag !== "Unanswered") {
                return Effect.fail({ failure: error, delay: Option.none() })
              }
              const failure = new OktaTransient({
                operation: call.operation,
                reason: error.reason,
                attempts: retry + 1
              })
              return retryable(failure, backoff())
            }
            const answered = result.right
            if (answered.status >= 200 && answered.status < 300) {
              return Effect.succeed(answered)
            }
            return Effect.flatMap(Clock.currentTimeMillis, (now) => {
              const refused = Response.failureOf(call, answered, retry + 1, now, scrub)
              const failure = refused._tag === "OktaUnauthorized" && auth.scheme !== "SSWS"
                ? new OktaUnauthorized({
                  ...refused,
                  credentials: `the OAuth access token (${auth.scheme})${challenged ? ", even after a refresh" : ""}`
                })
                : refused
              retryFor = Response.requestIdOf(answered.headers) ?? retryFor
              return retryable(
                failure,
                answered.status === 429
                  ? limiter.retryDelayAfter429(answered, retry)
                  : TRANSIENT_STATUS.has(answered.status)
                  ? backoff()
                  : undefined
              )
            })
          })
        )
      )
      const onRetry = (failure: OktaError, delay: Duration.Duration) =>
        Effect.logDebug("Okta request will be retried").pipe(
          Effect.annotateLogs({
            operation: call.operation,
            failure: failure.message,
            retry: retry + 1,
            waitMillis: Duration.toMillis(delay)
          }),
          Effect.zipRight(limiter.wait(delay, call.bucket)),
          Effect.zipRight(limiter.recordRetry),
          Effect.zipRight(Effect.sync(() => OktaMetrics.retries.unsafeUpdate(1, labelsOf(call.bucket)))),
          Effect.zipRight(Effect.sync(() => {
            retry++
          }))
        )
      return Retry.retrying(once, deadline, onRetry).pipe(
        Effect.mapError((attempted) => attempted.failure),
        // The operation's span says which endpoint template and how many attempts (never the account asked for).
        Effect.ensuring(Effect.suspend(() =>
          Effect.annotateCurrentSpan({ "enrich.okta.bucket": call.bucket, "enrich.okta.attempts": retry + 1 })
        ))
      )
    })

  return execute
}
