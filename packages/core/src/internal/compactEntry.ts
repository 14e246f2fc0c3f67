/**
 * The compact form the memory cache keeps an entry in: one string, the JSON of `[enriched_at, extracted, raw]` for a
 * found answer or `[enriched_at]` for a not-found. A decoded entry is a tree of small objects (a class instance, a
 * record, a string per field, an array per list) costing about twice the bytes of its JSON; at 100,000 cached
 * accounts that difference is the cache's memory budget.
 *
 * Only what survives JSON unchanged is compacted (plain objects, arrays, strings, finite numbers, booleans, null):
 * anything else (a Date, `undefined`, a class instance) is kept as it is, so a cached answer never differs from the
 * one computed. Reading a string that is not such a JSON answers `undefined` (a miss), never a crash.
 *
 * @internal
 */
import type { Entry } from "../EnrichmentCache.js"
import * as Provider from "../Provider.js"

/** What the memory cache stores for one entry: the compact string, or the entry itself when it is not JSON-safe. */
export type Compact = string | Entry

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Returns true when `JSON.parse(JSON.stringify(value))` gives `value` back (deeply equal, same kinds). */
const isJsonSafe = (value: unknown, depth: number): boolean => {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0)
    case "object": {
      if (value === null) return true
      if (depth > 64) return false
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isJsonSafe(value[i], depth + 1)) return false
        }
        return true
      }
      if (!isPlainObject(value) || "toJSON" in value) return false
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return false
        if (!isJsonSafe((value as Record<string, unknown>)[key], depth + 1)) return false
      }
      return true
    }
    default:
      return false
  }
}

/** The compact form of an entry (see the module's comment). */
export const encode = (entry: Entry): Compact => {
  const { enriched_at, lookup } = entry
  if (lookup._tag === "NotFound") return JSON.stringify([enriched_at])
  if (lookup.warnings.length > 0 || !isJsonSafe(lookup.extracted, 0) || !isJsonSafe(lookup.raw, 0)) return entry
  return JSON.stringify([enriched_at, lookup.extracted, lookup.raw])
}

const notFound = new Provider.NotFound()

/** The entry a compact form holds, or `undefined` when it is not one (a miss). */
export const decode = (compact: Compact): Entry | undefined => {
  if (typeof compact !== "string") return compact
  try {
    return fromJson(JSON.parse(compact))
  } catch {
    return undefined
  }
}

const fromJson = (parsed: unknown): Entry | undefined => {
  if (!Array.isArray(parsed) || typeof parsed[0] !== "string") return undefined
  const enriched_at: string = parsed[0]
  if (parsed.length === 1) return { lookup: notFound, enriched_at }
  const extracted: unknown = parsed[1]
  if (
    parsed.length !== 3 || typeof extracted !== "object" || extracted === null || Array.isArray(extracted)
  ) return undefined
  return {
    lookup: new Provider.Found({ extracted: extracted as Record<string, unknown>, raw: parsed[2] }),
    enriched_at
  }
}
