/**
 * The compact form the memory cache keeps an entry in: one string, the JSON of `[enriched_at]` for a not-found, or of
 * `[enriched_at, raw, shape, ...values]` for a found answer, where `shape` numbers the list of the extracted record's
 * keys (kept once per cache in {@link Shapes}: every account of a provider has the same few). A decoded entry is a
 * tree of small objects (a class instance, a record, a string per field, an array per list) costing about twice the
 * bytes of its JSON, and the keys are a third of that JSON; at 100,000 cached accounts that is the memory budget.
 * A record whose keys cannot be shared (too many shapes) is kept whole: `[enriched_at, raw, extracted]`.
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

/** The most key lists one cache numbers; records of other shapes are kept whole. */
const maxShapes = 256

/** The key lists of the extracted records a cache holds, numbered in the order first seen. */
export class Shapes {
  private readonly ids = new Map<string, number>()
  readonly keys: Array<ReadonlyArray<string>> = []

  /** The number of a key list, or `undefined` when it cannot be shared. */
  idOf(keys: ReadonlyArray<string>): number | undefined {
    // Rebuilding a record by assignment would set its prototype instead of a `__proto__` key.
    if (keys.includes("__proto__")) return undefined
    const joined = JSON.stringify(keys)
    let id = this.ids.get(joined)
    if (id === undefined && this.keys.length < maxShapes) {
      id = this.keys.length
      this.keys.push(keys)
      this.ids.set(joined, id)
    }
    return id
  }
}

/** The compact form of an entry (see the module's comment). */
export const encode = (entry: Entry, shapes: Shapes): Compact => {
  const { enriched_at, lookup } = entry
  if (lookup._tag === "NotFound") return JSON.stringify([enriched_at])
  const { extracted, raw } = lookup
  if (lookup.warnings.length > 0 || !isJsonSafe(extracted, 0) || !isJsonSafe(raw, 0)) return entry
  const keys = Object.keys(extracted)
  const shape = shapes.idOf(keys)
  if (shape === undefined) return JSON.stringify([enriched_at, raw, extracted])
  const tuple: Array<unknown> = [enriched_at, raw, shape]
  for (const key of keys) tuple.push(extracted[key])
  return JSON.stringify(tuple)
}

const notFound = new Provider.NotFound()

/** The entry a compact form holds, or `undefined` when it is not one (a miss). */
export const decode = (compact: Compact, shapes: Shapes): Entry | undefined => {
  if (typeof compact !== "string") return compact
  try {
    return fromJson(JSON.parse(compact), shapes)
  } catch {
    return undefined
  }
}

const fromJson = (parsed: unknown, shapes: Shapes): Entry | undefined => {
  if (!Array.isArray(parsed) || typeof parsed[0] !== "string") return undefined
  const enriched_at: string = parsed[0]
  if (parsed.length === 1) return { lookup: notFound, enriched_at }
  const raw: unknown = parsed[1]
  let extracted: unknown = parsed[2]
  if (typeof extracted === "number") {
    const keys = shapes.keys[extracted]
    if (keys === undefined || parsed.length !== 3 + keys.length) return undefined
    const record: Record<string, unknown> = {}
    for (let i = 0; i < keys.length; i++) record[keys[i]] = parsed[3 + i]
    extracted = record
  } else if (parsed.length !== 3 || typeof extracted !== "object" || extracted === null || Array.isArray(extracted)) {
    return undefined
  }
  // Not validated again (`true`): the fields were a valid `Found`'s when encoded, and JSON gives back a record of
  // strings to values, which is all the schema asks. Validating copied every field on every read of a cold entry.
  const found = new Provider.Found({ extracted: extracted as Record<string, unknown>, raw, warnings: [] }, true)
  return { lookup: found, enriched_at }
}
