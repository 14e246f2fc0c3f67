/**
 * A page of groups decoded without their JSON (`listUserGroups(id, { keepRaw: false })`), for accounts in thousands
 * of groups. Why not the `OktaGroup` Schema: its decoder builds a parse result per field (about 6 KB of garbage and
 * most of the CPU per group, measured on a 5,000-group account), while enrichment reads three fields of a group. This
 * checks exactly what the Schema checks (`id` and `profile.name` strings, `type` a string or absent, `description` a
 * string, null or absent; unknown fields ignored) and builds the same value; anything else is handed to the Schema,
 * so a wrong shape fails with the Schema's own error, path included. The tests hold the two to the same answers.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type { OktaGroup } from "../OktaResources.js"
import type { Decoder } from "./response.js"

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** One group as the Schema would decode it, `raw: null`; undefined when it would not (the Schema then says why). */
const group = (input: unknown): OktaGroup | undefined => {
  if (!isRecord(input)) return undefined
  const { id, profile, type } = input
  if (typeof id !== "string" || !isRecord(profile)) return undefined
  const { description, name } = profile
  if (typeof name !== "string") return undefined
  if (type !== undefined && typeof type !== "string") return undefined
  if (description !== undefined && description !== null && typeof description !== "string") return undefined
  return { id, type: type ?? "OKTA_GROUP", profile: { name, description: description ?? null }, raw: null }
}

/** Decodes a page of groups without keeping its JSON; `schema` decodes (and explains) any page this does not. */
export const withoutRaw = (schema: Decoder<ReadonlyArray<OktaGroup>>): Decoder<ReadonlyArray<OktaGroup>> => (input) => {
  if (!Array.isArray(input)) return withoutRawSlow(schema, input)
  const groups: Array<OktaGroup> = new Array(input.length)
  for (let i = 0; i < input.length; i++) {
    const decoded = group(input[i])
    if (decoded === undefined) return withoutRawSlow(schema, input)
    groups[i] = decoded
  }
  return Either.right(groups)
}

const withoutRawSlow = (schema: Decoder<ReadonlyArray<OktaGroup>>, input: unknown) =>
  Either.map(
    schema(input),
    (groups) => groups.map((g): OktaGroup => ({ id: g.id, type: g.type, profile: g.profile, raw: null }))
  )
