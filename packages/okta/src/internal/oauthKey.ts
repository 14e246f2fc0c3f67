/**
 * Loading the service app's private key (`OKTA_PRIVATE_KEY`): a PEM (PKCS#8, PKCS#1 RSA or SEC1 EC) or a JWK, inline
 * or `@path/to/file`, checked at start-up so a bad key fails when the layer is built, never at the first request.
 *
 * No error message carries key material: parsers' own messages (V8's JSON errors quote their input) are never passed
 * on, only a fixed description of what is wrong.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { CryptoKey, JWK } from "jose"
import * as Jose from "jose"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs/promises"
import { OktaConfigError } from "../OktaError.js"

/** @internal */
export const algorithms = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"] as const

/** @internal */
export type Algorithm = typeof algorithms[number]

/** @internal */
export interface SigningKey {
  readonly algorithm: Algorithm
  readonly keyId: string | undefined
  /** Non-extractable: the key material cannot be read back out of it. */
  readonly key: CryptoKey
}

const curveAlgorithm: Record<string, Algorithm> = { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" }

const isAlgorithm = (value: unknown): value is Algorithm =>
  typeof value === "string" && (algorithms as ReadonlyArray<string>).includes(value)

/** Reads `@path` files; anything else is the key itself. Literal `\n` (common in env files) become newlines. */
const readSource = (input: string, variable: string): Effect.Effect<string, OktaConfigError> => {
  const trimmed = input.trim()
  if (!trimmed.startsWith("@")) return Effect.succeed(trimmed.replace(/\\n/g, "\n"))
  const path = trimmed.slice(1).trim()
  if (path === "") {
    return Effect.fail(new OktaConfigError({ variable, reason: "is \"@\" without a file path (use @path/to/key.pem)" }))
  }
  return Effect.tryPromise({
    try: () => Fs.readFile(path, "utf8"),
    catch: (error) => {
      const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "unreadable"
      const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code
      return new OktaConfigError({ variable, reason: `cannot read the key file ${path} (${why})` })
    }
  }).pipe(Effect.map((text) => text.trim()))
}

/** A PEM or a JWK's JSON, turned into a private JWK (the parsed form never leaves this module). */
const toJwk = (text: string, variable: string): Effect.Effect<JWK, OktaConfigError> => {
  const fail = (reason: string) => Effect.fail(new OktaConfigError({ variable, reason }))
  if (text === "") return fail("is empty; set it to the app's private key (PEM or JWK), or @path/to/key")
  if (text.startsWith("{")) {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return fail("looks like a JWK but is not valid JSON")
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return fail("is not a JWK object")
    if ("keys" in parsed) return fail("is a JWK set; give the one private JWK of the app instead")
    return Effect.succeed(parsed as JWK)
  }
  if (!text.includes("-----BEGIN")) return fail("is neither a PEM private key nor a JWK (JSON)")
  if (/-----BEGIN (RSA |EC )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(text)) {
    return fail("is a public key or certificate; it must be the private key whose public half is registered in Okta")
  }
  if (text.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
    return fail("is an encrypted private key; decrypt it first (openssl pkcs8 -in key.pem -nocrypt ...)")
  }
  let keyObject: Crypto.KeyObject
  try {
    keyObject = Crypto.createPrivateKey({ key: text, format: "pem" })
  } catch {
    return fail("is not a readable PEM private key (expected PKCS#8, PKCS#1 RSA or SEC1 EC)")
  }
  const type = keyObject.asymmetricKeyType
  if (type !== "rsa" && type !== "ec") {
    return fail(`is a ${type ?? "unknown"} key; use an RSA or EC (P-256, P-384, P-521) key`)
  }
  return Effect.succeed(keyObject.export({ format: "jwk" }) as JWK)
}

const checkJwk = (
  jwk: JWK,
  variable: string,
  algorithm: Algorithm | undefined
): Effect.Effect<Algorithm, OktaConfigError> => {
  const fail = (reason: string) => Effect.fail(new OktaConfigError({ variable, reason }))
  if (jwk.kty !== "RSA" && jwk.kty !== "EC") {
    return fail(`has key type ${String(jwk.kty)}; use an RSA or EC (P-256, P-384, P-521) key`)
  }
  if (typeof jwk.d !== "string" || jwk.d === "") {
    return fail("is a public key; it must be the private key whose public half is registered in Okta")
  }
  if (jwk.use !== undefined && jwk.use !== "sig") return fail(`is a key for "${jwk.use}", not for signing`)
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes("sign")) return fail("is not allowed to sign (key_ops)")
  const requested = algorithm ?? jwk.alg
  if (requested !== undefined && !isAlgorithm(requested)) {
    return fail(`has algorithm ${String(requested)}, which is not supported (use ${algorithms.join(", ")})`)
  }
  if (jwk.kty === "EC") {
    const byCurve = curveAlgorithm[String(jwk.crv)]
    if (byCurve === undefined) return fail(`is an EC key on curve ${String(jwk.crv)}; use P-256, P-384 or P-521`)
    if (requested !== undefined && requested !== byCurve) {
      return fail(`is an EC ${String(jwk.crv)} key, which signs with ${byCurve}, not ${requested}`)
    }
    return Effect.succeed(byCurve)
  }
  if (requested !== undefined && !requested.startsWith("RS")) {
    return fail(`is an RSA key, which cannot sign with ${requested} (use RS256, RS384 or RS512)`)
  }
  return Effect.succeed(requested ?? "RS256")
}

/**
 * Loads and checks the private key: it is imported non-extractable and signs once, so a key that cannot sign (too
 * short an RSA modulus, a mismatched algorithm) fails here.
 *
 * @internal
 */
export const load = (options: {
  readonly privateKey: Redacted.Redacted<string>
  readonly keyId: string | undefined
  readonly algorithm: Algorithm | undefined
  readonly variable: string
  readonly keyIdVariable: string
}): Effect.Effect<SigningKey, OktaConfigError> =>
  Effect.gen(function*() {
    const { variable } = options
    const text = yield* readSource(Redacted.value(options.privateKey), variable)
    const jwk = yield* toJwk(text, variable)
    const algorithm = yield* checkJwk(jwk, variable, options.algorithm)
    const jwkKid = typeof jwk.kid === "string" && jwk.kid !== "" ? jwk.kid : undefined
    if (options.keyId !== undefined && jwkKid !== undefined && options.keyId !== jwkKid) {
      return yield* new OktaConfigError({
        variable: options.keyIdVariable,
        reason: `is ${options.keyId} but the JWK in ${variable} has kid ${jwkKid}; remove one or make them agree`
      })
    }
    const { alg: _alg, ext: _ext, key_ops: _ops, use: _use, ...material } = jwk
    const key = yield* Effect.tryPromise({
      try: () => Jose.importJWK(material, algorithm, { extractable: false }),
      catch: () => new OktaConfigError({ variable, reason: `cannot be used as an ${algorithm} signing key` })
    })
    if (!("type" in key) || key.type !== "private") {
      return yield* new OktaConfigError({ variable, reason: "is not a private key" })
    }
    yield* Effect.tryPromise({
      try: () => new Jose.CompactSign(new Uint8Array([0])).setProtectedHeader({ alg: algorithm }).sign(key),
      catch: () =>
        new OktaConfigError({
          variable,
          reason: `cannot sign with ${algorithm} (RSA keys need at least 2048 bits; EC keys must match the curve)`
        })
    })
    return { algorithm, keyId: options.keyId ?? jwkKid, key }
  })
