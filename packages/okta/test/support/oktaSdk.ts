/**
 * Okta's official Node SDK pointed at a sandbox, for the tests that check the sandbox speaks Okta.
 */
import type { Sandbox } from "@enrich/okta/testing"
import * as okta from "@okta/okta-sdk-nodejs"
import { Effect, Redacted } from "effect"

/** An SDK client for the sandbox: plain http allowed, the SDK's own cache off (every call reaches the server). */
export const sdkClient = (sandbox: Sandbox.Service): okta.Client =>
  new okta.Client({
    orgUrl: sandbox.url,
    token: Redacted.value(sandbox.token),
    testing: { disableHttpsCheck: true },
    cacheMiddleware: null
  } as any)

/** Reads an SDK collection (or the promise of one) to the end, dropping empty items. */
export const collect = <A>(
  collection: AsyncIterable<A> | Promise<AsyncIterable<A>>
): Effect.Effect<Array<NonNullable<A>>> =>
  Effect.promise(async () => {
    const items: Array<NonNullable<A>> = []
    for await (const item of await collection) if (item !== null && item !== undefined) items.push(item)
    return items
  })
