/**
 * The System Log event schema reads what Okta documents (its own examples), survives what Okta does not promise, and
 * the query for an account is the bounded, escaped, newest-first read the README describes.
 */
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Schema } from "effect"
import { readFileSync } from "node:fs"
import * as OktaLogEvent from "../src/OktaLogEvent.js"

const examples = JSON.parse(readFileSync(new URL("./fixtures/okta-log-events.json", import.meta.url), "utf8")) as {
  readonly ListLogs: ReadonlyArray<unknown>
  readonly ListLogsWithAdditionalSecurityContext: unknown
}

const decode = Schema.decodeUnknownSync(OktaLogEvent.LogEvent)

describe("OktaLogEvent.LogEvent", () => {
  it("decodes Okta's ListLogs example, including fields the spec types differently (version: 0, postalCode)", () => {
    const { events, unreadable } = OktaLogEvent.decodeEvents(examples.ListLogs)
    expect(unreadable).toBe(0)
    expect(events).toHaveLength(1)
    const event = events[0]
    expect(event.eventType).toBe("user.session.start")
    expect(event.published).toBe("2024-08-13T15:58:20.353Z")
    expect(event.actor?.id).toBe("00uttidj01jqL21aM1d6")
    expect(event.outcome?.result).toBe("SUCCESS")
    expect(event.outcome?.reason).toBeUndefined()
    expect(event.client?.ipAddress).toBe("10.0.0.1")
    expect(event.client?.zone).toBeUndefined()
    expect(event.client?.geographicalContext?.geolocation).toEqual({ lat: 40.3157, lon: -74.01 })
    expect(event.client?.userAgent?.browser).toBe("CHROME")
    expect(event.securityContext?.isProxy).toBe(false)
    expect(event.authenticationContext?.externalSessionId).toBe("idxBager62CSveUkTxvgRtonA")
    expect(OktaLogEvent.targets(event).map((t) => t.type)).toEqual(["AuthenticatorEnrollment", "AppInstance"])
  })

  it("decodes the structured risk and user behaviours of ListLogsWithAdditionalSecurityContext", () => {
    const event = decode(examples.ListLogsWithAdditionalSecurityContext)
    expect(event.securityContext?.risk?.level).toBe("HIGH")
    expect(event.securityContext?.risk?.detectionName).toBe("Suspected Session Hijacking")
    expect(event.securityContext?.userBehaviors).toEqual([
      { id: "bhv3pcdHYo3rVDL0w0g4", name: "New Device", result: "NEGATIVE" },
      { id: "bhvexm4UkQc71MgEw0g4", name: "New Geo-Location", result: "POSITIVE" }
    ])
  })

  it("ignores unknown fields and reads a field of the wrong type as absent instead of failing the event", () => {
    const event = decode({
      uuid: 42,
      published: "2025-01-15T10:00:00.000Z",
      eventType: "user.session.start",
      somethingNew: { nested: true },
      actor: "not an object",
      outcome: { result: ["SUCCESS"], reason: null },
      client: { ipAddress: "198.51.100.1", geographicalContext: { geolocation: { lat: "37.7", lon: null } } },
      securityContext: { isProxy: "yes", asNumber: null },
      target: "nope",
      debugContext: { debugData: null }
    })
    expect(event.uuid).toBeUndefined()
    expect(event.eventType).toBe("user.session.start")
    expect(event.actor).toBeUndefined()
    expect(event.outcome).toEqual({ result: undefined, reason: undefined })
    expect(event.client?.ipAddress).toBe("198.51.100.1")
    expect(event.client?.geographicalContext?.geolocation).toEqual({ lat: undefined, lon: undefined })
    expect(event.securityContext?.isProxy).toBeUndefined()
    expect(event.target).toBeUndefined()
    expect(event.debugContext?.debugData).toBeUndefined()
    expect(Object.keys(event)).not.toContain("somethingNew")
  })

  it("cuts hostile huge strings to maxStringLength", () => {
    const event = decode({ eventType: "x".repeat(1_000_000), outcome: { reason: "r".repeat(100_000) } })
    expect(event.eventType).toHaveLength(OktaLogEvent.maxStringLength)
    expect(event.outcome?.reason).toHaveLength(OktaLogEvent.maxStringLength)
  })

  it("targets drops entries that are not objects and keeps the readable ones", () => {
    const event = decode({ target: [null, 3, { id: "00u1", type: "User" }, [], { id: 7, type: "AppInstance" }] })
    const found = OktaLogEvent.targets(event)
    expect(found.map((t) => [t.id, t.type])).toEqual([["00u1", "User"], [undefined, "AppInstance"]])
  })

  it("decodeEvents counts elements that are not objects as unreadable, never failing", () => {
    const { events, unreadable } = OktaLogEvent.decodeEvents([null, "event", 7, [], {
      eventType: "user.session.start"
    }])
    expect(unreadable).toBe(4)
    expect(events.map((e) => e.eventType)).toEqual(["user.session.start"])
  })
})

describe("OktaLogEvent.parseDebugMap", () => {
  it("parses Okta's behaviors text", () => {
    expect(OktaLogEvent.parseDebugMap("{New Geo-Location=POSITIVE, New Device=NEGATIVE, New IP=NEGATIVE}")).toEqual({
      "New Geo-Location": "POSITIVE",
      "New Device": "NEGATIVE",
      "New IP": "NEGATIVE"
    })
  })

  it("parses Okta's risk text, keeping commas inside the reasons", () => {
    expect(OktaLogEvent.parseDebugMap("{reasons=Anomalous Location, New Device, level=HIGH}")).toEqual({
      reasons: "Anomalous Location, New Device",
      level: "HIGH"
    })
  })

  it("returns nothing for text that is not a map", () => {
    expect(OktaLogEvent.parseDebugMap("")).toEqual({})
    expect(OktaLogEvent.parseDebugMap("{}")).toEqual({})
    expect(OktaLogEvent.parseDebugMap("no pairs, here")).toEqual({})
    expect(OktaLogEvent.parseDebugMap("=POSITIVE")).toEqual({})
  })
})

describe("OktaLogEvent.query", () => {
  const now = new Date("2025-01-15T10:30:00.000Z")

  it("selects the account as actor or target, since now - window, newest first, 1,000 per page", () => {
    expect(OktaLogEvent.query({ userId: "00uw5TJvTt4wHVXqCNSq", window: Duration.days(7), now })).toEqual({
      filter: "actor.id eq \"00uw5TJvTt4wHVXqCNSq\" or target.id eq \"00uw5TJvTt4wHVXqCNSq\"",
      since: "2025-01-08T10:30:00.000Z",
      sortOrder: "DESCENDING",
      limit: 1000
    })
  })

  it("accepts an Effect DateTime and any Duration input", () => {
    const q = OktaLogEvent.query({ userId: "u", window: "24 hours", now: DateTime.unsafeMake(now) })
    expect(q.since).toBe("2025-01-14T10:30:00.000Z")
  })

  it("escapes quotes and backslashes in the id so it cannot change the filter", () => {
    expect(OktaLogEvent.filterFor("a\"b\\c")).toBe("actor.id eq \"a\\\"b\\\\c\" or target.id eq \"a\\\"b\\\\c\"")
    expect(OktaLogEvent.filterFor("x\" or actor.id pr or \"")).toBe(
      "actor.id eq \"x\\\" or actor.id pr or \\\"\" or target.id eq \"x\\\" or actor.id pr or \\\"\""
    )
  })

  it("clamps the page size to 1..1000", () => {
    const limit = (n: number) => OktaLogEvent.query({ userId: "u", window: "1 day", now, limit: n }).limit
    expect(limit(0)).toBe(1)
    expect(limit(250)).toBe(250)
    expect(limit(5000)).toBe(1000)
    expect(limit(Number.NaN)).toBe(1000)
  })

  it("reads a window longer than Okta's 90-day retention as 90 days", () => {
    expect(OktaLogEvent.query({ userId: "u", window: Duration.days(365), now }).since).toBe("2024-10-17T10:30:00.000Z")
  })

  it("gives URL search parameters", () => {
    const params = OktaLogEvent.toSearchParams(
      OktaLogEvent.query({ userId: "00u1", window: "7 days", now, limit: 200 })
    )
    expect(params.toString()).toBe(
      "filter=actor.id+eq+%2200u1%22+or+target.id+eq+%2200u1%22&since=2025-01-08T10%3A30%3A00.000Z" +
        "&sortOrder=DESCENDING&limit=200"
    )
  })
})
