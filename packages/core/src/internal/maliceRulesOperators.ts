/**
 * The operator vocabulary of the rule language, shared by the public module and the decoder.
 *
 * @internal
 */

/** @internal */
export const operators = [
  "eq",
  "neq",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "not_in",
  "contains",
  "not_contains",
  "starts_with",
  "ends_with",
  "exists",
  "not_exists",
  "matches",
  "older_than",
  "newer_than"
] as const

/** @internal */
export type Operator = typeof operators[number]

/** @internal */
export const aliases: Readonly<Record<string, Operator>> = {
  "==": "eq",
  "!=": "neq",
  ">": "gt",
  ">=": "gte",
  "<": "lt",
  "<=": "lte"
}

/** @internal */
export const caseFoldingOperators: ReadonlyArray<Operator> = [
  "eq",
  "neq",
  "in",
  "not_in",
  "contains",
  "not_contains",
  "starts_with",
  "ends_with",
  "matches"
]
