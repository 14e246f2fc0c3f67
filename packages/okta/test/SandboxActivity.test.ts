/**
 * The sandbox's System Log stories: Okta's real event shape (validated against the spec's `LogEvent` schema), about
 * real seed users, inside the default window whenever the sandbox starts, and each story gives its account the
 * expected `recent_activity` and compromise-pack verdict.
 */
import { describe, expect, it } from "@effect/vitest"
import * as MaliceRules from "@enrich/core/MaliceRules"
import * as Provider from "@enrich/core/Provider"
import { Ajv } from "ajv"
import { DateTime, Duration, Option } from "effect"
import { readFileSync } from "node:fs"
import * as CompromiseRules from "../src/CompromiseRules.js"
import * as OktaLogEvent from "../src/OktaLogEvent.js"
import * as RecentActivity from "../src/RecentActivity.js"
import * as SandboxActivity from "../src/testing/SandboxActivity.js"
import * as SandboxOrg from "../src/testing/SandboxOrg.js"

const spec: { readonly components: unknown } = JSON.parse(
  readFileSync(new URL("./fixtures/okta-management-subset.json", import.meta.url), "utf8")
)

// OpenAPI 3.0 keywords ajv does not know (`example`) are dropped; `nullable` is understood by ajv itself.
const withoutExamples = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(withoutExamples)
  if (node === null || typeof node !== "object") return node
  return Object.fromEntries(
    Object.entries(node).filter(([key]) => key !== "example" && key !== "examples").map((
      [key, value]
    ) => [key, withoutExamples(value)])
  )
}

const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true })
ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/)
ajv.addFormat("double", true)
ajv.addSchema({ components: withoutExamples(spec.components) }, "okta")
const validatePage = ajv.compile({ type: "array", items: { $ref: "okta#/components/schemas/LogEvent" } })

const now = new Date("2026-03-02T09:15:00.000Z")
const events = SandboxActivity.events(now)
const window = Duration.days(7)

const summaryOf = (userId: string, at: Date = now) => {
  const mine = events.filter((event) => {
    const actor = (event.actor as { id: string }).id
    const targets = event.target as ReadonlyArray<{ id: string }>
    return actor === userId || targets.some((target) => target.id === userId)
  })
  return RecentActivity.summarize(OktaLogEvent.decodeEvents(mine).events, { userId, window, now: at })
}

describe("SandboxActivity.events", () => {
  it("validate against the LogEvent schema of Okta's management spec", () => {
    const valid = validatePage(events)
    expect(valid ? [] : ajv.errorsText(validatePage.errors, { separator: "\n" }).split("\n").slice(0, 5)).toEqual([])
  })

  it("the validator is not vacuous: it refuses an outcome, a severity or a risk level Okta does not have", () => {
    const [first] = events
    expect(validatePage([{ ...first, outcome: { result: "MAYBE" } }])).toBe(false)
    expect(validatePage([{ ...first, severity: "LOUD" }])).toBe(false)
    expect(validatePage([{ ...first, securityContext: { risk: { level: "EXTREME" } } }])).toBe(false)
    expect(validatePage([{ ...first, client: { geographicalContext: { geolocation: { lat: "north" } } } }])).toBe(false)
  })

  it("have unique uuids, stable across calls, and are sorted oldest first", () => {
    const uuids = events.map((event) => event.uuid)
    expect(new Set(uuids).size).toBe(events.length)
    expect(SandboxActivity.events(new Date(0)).map((event) => event.uuid)).toEqual(uuids)
    const published = events.map((event) => String(event.published))
    expect([...published].sort()).toEqual(published)
  })

  it("lie within the last three days of now, never in the future, for a Date or a DateTime", () => {
    for (const event of SandboxActivity.events(DateTime.unsafeMake(now))) {
      const t = Date.parse(String(event.published))
      expect(t).toBeLessThanOrEqual(now.getTime())
      expect(t).toBeGreaterThan(now.getTime() - 3 * 24 * 3_600_000)
    }
  })

  it("are about seed users, with the seed's ids", () => {
    for (const story of SandboxActivity.stories) {
      const user = SandboxOrg.findUser(SandboxOrg.defaultOrg, story.login)
      expect(Option.map(user, (u) => u.json.id), story.login).toEqual(Option.some(story.userId))
    }
    const known = new Set(SandboxOrg.listUsers(SandboxOrg.defaultOrg).map((user) => user.id))
    for (const event of events) expect(known.has((event.actor as { id: string }).id)).toBe(true)
  })
})

describe("SandboxActivity.stories", () => {
  it("cover a compromise, brute force, a user report, a new admin, a factor reset, a stolen session, quiet", () => {
    expect(SandboxActivity.stories.map((story) => story.expectedVerdict)).toEqual([
      "Malicious",
      "Suspicious",
      "Malicious",
      "Suspicious",
      "Suspicious",
      "Suspicious",
      "Benign",
      "Benign"
    ])
  })

  for (const story of SandboxActivity.stories) {
    it(`${story.login}: ${story.summary}`, () => {
      const summary = summaryOf(story.userId)
      expect(summary).toMatchObject(story.expected)
      const evaluation = MaliceRules.evaluate(
        CompromiseRules.ruleSet(),
        new Provider.Found({ extracted: { found: true, recent_activity: summary }, raw: null }),
        now.getTime()
      )
      expect(evaluation.verdict).toBe(story.expectedVerdict)
    })
  }

  it("the compromised account shows the impossible travel from Chicago to Bucharest", () => {
    const [travel] = summaryOf("00uAUSKJrg5rvSAQu85T").impossible_travel
    expect(travel).toMatchObject({
      from: { city: "Chicago", country: "United States" },
      to: { city: "Bucharest", country: "Romania" },
      elapsed_seconds: 3600
    })
    expect(travel.distance_km).toBeGreaterThan(7000)
  })

  it("the admin who granted the role is not counted as granted one", () => {
    expect(summaryOf("00u9dTs6hYN2EWJrJtyp")).toMatchObject({ admin_grants: 0, mfa_factor_changes: { reset: 0 } })
  })

  it("the stories still show a day after the sandbox started", () => {
    const later = new Date(now.getTime() + 24 * 3_600_000)
    expect(summaryOf("00ul2F2VG4su5JBW2sMw", later).sign_ins.failure).toBe(12)
  })
})
