/**
 * The three contenders, each looking accounts up against the same sandbox:
 *
 * - `enrich`: the library API (Enricher + OktaProvider + OktaClient over an Effect `HttpClient`);
 * - `fetch`: a hand-written baseline with `fetch`, making the same requests as enrich with no retries, caching or
 *   decoding (the practical floor);
 * - `okta-sdk`: `@okta/okta-sdk-nodejs`, used the way its README shows.
 *
 * All three make the same requests for one account: by id, the user, its groups, factors and roles at once (one
 * round trip); by login, the user, then the other three at once (two); by an email that is not a login, the user
 * (404), the search by email, then the other three (three). Group pages are followed through `Link: rel="next"`.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Enricher from "@enrich/core/Enricher"
import * as EnrichmentCache from "@enrich/core/EnrichmentCache"
import type * as EnrichmentResult from "@enrich/core/EnrichmentResult"
import * as Indicator from "@enrich/core/Indicator"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { createRequire } from "node:module"
import * as SyntheticOrg from "./SyntheticOrg.js"

/** How an account is named in the alert. */
export type Kind = "id" | "login" | "email"

/** An account to look up. */
export interface Account {
  readonly kind: Kind
  readonly value: string
}

/** Account `n` of a synthetic org, named by `kind`. */
export const account = (kind: Kind, n: number): Account => ({
  kind,
  value: kind === "id" ? SyntheticOrg.userId(n) : kind === "login" ? SyntheticOrg.login(n) : SyntheticOrg.email(n)
})

/** The outcome of a batch: how many lookups found their user, and how many failed (with a sample error). */
export interface BatchOutcome {
  readonly found: number
  readonly failed: number
  readonly firstError?: string | undefined
}

/** A contender: looks accounts up one at a time, or as a batch with a concurrency. */
export interface Contender {
  readonly name: string
  /** One account; resolves to true when its user was found, rejects when the lookup failed. */
  readonly lookup: (account: Account) => Promise<boolean>
  /** Many accounts, `concurrency` at a time. */
  readonly batch: (accounts: ReadonlyArray<Account>, concurrency: number) => Promise<BatchOutcome>
  readonly close: () => Promise<void>
}

/** Runs `lookup` over `accounts`, `concurrency` at a time (what `Promise`-based callers write). */
export const pool = async (
  accounts: ReadonlyArray<Account>,
  concurrency: number,
  lookup: (account: Account) => Promise<boolean>
): Promise<BatchOutcome> => {
  let next = 0
  let found = 0
  let failed = 0
  let firstError: string | undefined
  const worker = async () => {
    while (next < accounts.length) {
      const account = accounts[next++]
      try {
        if (await lookup(account)) found++
      } catch (error) {
        failed++
        firstError ??= error instanceof Error ? error.message : String(error)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker))
  return { found, failed, firstError }
}

// ---------------------------------------------------------------------------------------------------------------
// (a) enrich
// ---------------------------------------------------------------------------------------------------------------

/** Which Effect `HttpClient` enrich runs on. */
export type Transport = "undici" | "fetch"

/** Options of the enrich contender. */
export interface EnrichOptions {
  readonly url: string
  readonly token: string
  readonly transport: Transport
  /** The memory cache's capacity (default: the library's). */
  readonly cacheCapacity?: number | undefined
  /** Another `HttpClient` than the transport's (the in-memory org of the cache scenario). */
  readonly http?: Layer.Layer<HttpClient.HttpClient> | undefined
}

/** The enrich contender, with access to its runtime for scenarios that need the Enricher or the client's stats. */
export interface EnrichContender extends Contender {
  readonly runtime: ManagedRuntime.ManagedRuntime<
    Enricher.Enricher | OktaClient.OktaClient | EnrichmentCache.EnrichmentCache,
    never
  >
  readonly enrich: (account: Account) => Promise<EnrichmentResult.EnrichmentResult>
}

const transportLayer = (transport: Transport): Layer.Layer<HttpClient.HttpClient> =>
  transport === "undici" ? NodeHttpClient.layerUndici : FetchHttpClient.layer

/** Whether an enrichment found the account (`true`), did not (`false`) or failed (throws its message). */
export const foundIn = (result: EnrichmentResult.EnrichmentResult): boolean => {
  const okta = result.enrichment[OktaProvider.name]
  if (okta === undefined || okta.status !== "success") {
    throw new Error(okta?.error_message ?? result.error ?? "no okta result")
  }
  return okta.extracted?.found === true
}

/** Builds the enrich contender (its layers are built once, up front). */
export const enrich = async (options: EnrichOptions): Promise<EnrichContender> => {
  const client = OktaClient.layer({ domain: options.url, token: Redacted.make(options.token) }).pipe(
    Layer.provide(options.http ?? transportLayer(options.transport)),
    Layer.orDie
  )
  const layer = Enricher.layer(OktaProvider.OktaProvider).pipe(
    Layer.provide(OktaProvider.layer()),
    Layer.provideMerge(EnrichmentCache.layerMemory({ capacity: options.cacheCapacity })),
    Layer.provideMerge(client)
  )
  const runtime = ManagedRuntime.make(layer)
  await runtime.runPromise(Effect.void)
  const indicator = (account: Account) => new Indicator.Indicator({ type: "account", value: account.value })
  const enrichOne = (account: Account) =>
    runtime.runPromise(Effect.flatMap(Enricher.Enricher, (enricher) => enricher.enrich(indicator(account))))
  return {
    name: `enrich (${options.transport})`,
    runtime,
    enrich: enrichOne,
    lookup: async (account) => foundIn(await enrichOne(account)),
    batch: (accounts, concurrency) =>
      runtime.runPromise(Effect.gen(function*() {
        const enricher = yield* Enricher.Enricher
        const results = yield* enricher.enrichAll(Stream.fromIterable(accounts.map(indicator)), { concurrency })
          .pipe(Stream.runCollect)
        let found = 0
        let failed = 0
        let firstError: string | undefined
        for (const result of Chunk.toReadonlyArray(results)) {
          try {
            if (foundIn(result)) found++
          } catch (error) {
            failed++
            firstError ??= (error as Error).message
          }
        }
        return { found, failed, firstError }
      })),
    close: () => runtime.dispose()
  }
}

// ---------------------------------------------------------------------------------------------------------------
// (b) fetch baseline
// ---------------------------------------------------------------------------------------------------------------

const nextLink = (header: string | null): string | undefined => {
  if (header === null) return undefined
  // fetch joins repeated Link headers with ", ".
  const match = /<([^>]+)>\s*;\s*rel="next"/.exec(header)
  return match === null ? undefined : match[1]
}

/** What the baseline returns for a user. */
interface UserJson {
  readonly id: string
}

/** The options of the plain-`fetch` baseline. */
export interface FetchOptions {
  readonly url: string
  readonly token: string
  /** Fetch the user, groups, factors and roles one after another, as most integrations do. */
  readonly sequential?: boolean | undefined
}

/**
 * The baseline: `fetch`, JSON bodies parsed, nothing else (no retries, no cache, no schema). It follows the same
 * request pattern as enrich (or, with `sequential`, one request after another).
 */
export const baseline = (options: FetchOptions): Contender => {
  const headers = { Authorization: `SSWS ${options.token}`, Accept: "application/json" }
  const get = async (pathOrUrl: string): Promise<Response> => {
    const response = await fetch(pathOrUrl.startsWith("http") ? pathOrUrl : options.url + pathOrUrl, { headers })
    if (!response.ok && response.status !== 404) {
      await response.arrayBuffer()
      throw new Error(`GET ${pathOrUrl}: HTTP ${response.status}`)
    }
    return response
  }
  const getJson = async (path: string): Promise<unknown> => {
    const response = await get(path)
    if (response.status === 404) {
      await response.arrayBuffer()
      return undefined
    }
    return response.json()
  }
  const getAll = async (path: string): Promise<Array<unknown>> => {
    const items: Array<unknown> = []
    let next: string | undefined = path
    while (next !== undefined) {
      const response = await get(next)
      if (response.status === 404) throw new Error(`GET ${next}: HTTP 404`)
      items.push(...(await response.json() as Array<unknown>))
      next = nextLink(response.headers.get("link"))
    }
    return items
  }
  const related = (id: string) => {
    const e = encodeURIComponent(id)
    const requests = [
      () => getAll(`/api/v1/users/${e}/groups`),
      () => getJson(`/api/v1/users/${e}/factors`),
      () => getJson(`/api/v1/users/${e}/roles`)
    ]
    return options.sequential === true
      ? requests.reduce<Promise<unknown>>((previous, request) => previous.then(request), Promise.resolve())
      : Promise.all(requests.map((request) => request()))
  }
  const lookup = async (account: Account): Promise<boolean> => {
    if (account.kind === "id" && options.sequential !== true) {
      const [user] = await Promise.all([
        getJson(`/api/v1/users/${encodeURIComponent(account.value)}`),
        related(account.value)
      ])
      return user !== undefined
    }
    let user = await getJson(`/api/v1/users/${encodeURIComponent(account.value)}`) as UserJson | undefined
    if (user === undefined && account.kind === "email") {
      const search = encodeURIComponent(`profile.email eq "${account.value.replace(/["\\]/g, "\\$&")}"`)
      const users = await getAll(`/api/v1/users?search=${search}`) as Array<UserJson>
      if (users.length > 1) throw new Error(`ambiguous email ${account.value}`)
      user = users[0]
    }
    if (user === undefined) return false
    await related(user.id)
    return true
  }
  return {
    name: options.sequential === true ? "fetch, sequential" : "fetch",
    lookup,
    batch: (accounts, concurrency) => pool(accounts, concurrency, lookup),
    close: async () => {}
  }
}

// ---------------------------------------------------------------------------------------------------------------
// (c) @okta/okta-sdk-nodejs
// ---------------------------------------------------------------------------------------------------------------

type OktaSdk = typeof import("@okta/okta-sdk-nodejs")

// The SDK is a dev dependency of @enrich/okta: resolve it from there.
const requireFromOkta = createRequire(new URL("../packages/okta/package.json", import.meta.url))

/** The installed SDK's version. */
export const sdkVersion = (): string =>
  (requireFromOkta("@okta/okta-sdk-nodejs/package.json") as { version: string }).version

/** Options of the SDK contender. */
export interface SdkOptions {
  readonly url: string
  readonly token: string
  /** Fetch the user, groups, factors and roles one after another, as most integrations do. */
  readonly sequential?: boolean | undefined
}

const collect = async <T>(collection: { each: (f: (item: T) => unknown) => Promise<unknown> }) => {
  const items: Array<T> = []
  await collection.each((item) => {
    items.push(item)
  })
  return items
}

/** The SDK contender: `new okta.Client({ orgUrl, token })`, then `userApi.getUser`, collections read with `.each`. */
export const sdk = (options: SdkOptions): Contender => {
  const okta = requireFromOkta("@okta/okta-sdk-nodejs") as OktaSdk
  const client = new okta.Client(
    {
      orgUrl: options.url,
      token: options.token,
      // The README's switch for plain-HTTP test servers (ignored by versions that do not check).
      testing: { disableHttpsCheck: true }
    } as ConstructorParameters<OktaSdk["Client"]>[0]
  )
  const isNotFound = (error: unknown) => (error as { status?: number }).status === 404
  const getUser = (idOrLogin: string) =>
    client.userApi.getUser({ userId: idOrLogin }).catch((error: unknown) => {
      if (isNotFound(error)) return undefined
      throw error
    })
  const requests = (userId: string): ReadonlyArray<() => Promise<ReadonlyArray<unknown>>> => [
    async () => collect(await client.userApi.listUserGroups({ userId })),
    async () => collect(await client.userFactorApi.listFactors({ userId })),
    async () => collect(await client.roleAssignmentApi.listAssignedRolesForUser({ userId }))
  ]
  const related = (userId: string) =>
    options.sequential === true
      ? requests(userId).reduce<Promise<unknown>>((previous, request) => previous.then(request), Promise.resolve())
      : Promise.all(requests(userId).map((request) => request()))
  const lookup = async (account: Account): Promise<boolean> => {
    if (account.kind === "id" && options.sequential !== true) {
      const [user] = await Promise.all([getUser(account.value), related(account.value)])
      return user !== undefined
    }
    let user: { id?: string } | undefined = await getUser(account.value)
    if (user === undefined && account.kind === "email") {
      const search = `profile.email eq "${account.value.replace(/["\\]/g, "\\$&")}"`
      const users = await collect(await client.userApi.listUsers({ search }))
      if (users.length > 1) throw new Error(`ambiguous email ${account.value}`)
      user = users[0]
    }
    if (user?.id === undefined) return false
    await related(user.id)
    return true
  }
  return {
    name: options.sequential === true ? "okta-sdk, sequential" : "okta-sdk",
    lookup,
    batch: (accounts, concurrency) => pool(accounts, concurrency, lookup),
    close: async () => {}
  }
}
