/**
 * The two JWTs of an OAuth service app, signed with `jose`: the `private_key_jwt` client assertion and the DPoP proof
 * (RFC 9449). Times come from the caller (Effect's Clock), so TestClock drives them.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { CryptoKey, JWK } from "jose"
import * as Jose from "jose"
import * as Crypto from "node:crypto"
import type { SigningKey } from "./oauthKey.js"

/** @internal */
export const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/** The client assertion: `iss` = `sub` = client id, `aud` = the token URL, a 5-minute `exp`, a unique `jti`. */
export const assertion = (options: {
  readonly key: SigningKey
  readonly clientId: string
  readonly tokenUrl: string
  readonly nowMillis: number
}): Effect.Effect<string> => {
  const iat = Math.floor(options.nowMillis / 1000)
  const header = options.key.keyId === undefined ?
    { alg: options.key.algorithm } :
    { alg: options.key.algorithm, kid: options.key.keyId }
  return Effect.promise(() =>
    new Jose.SignJWT({})
      .setProtectedHeader(header)
      .setIssuer(options.clientId)
      .setSubject(options.clientId)
      .setAudience(options.tokenUrl)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 300)
      .setJti(Crypto.randomUUID())
      .sign(options.key.key)
  )
}

/** @internal */
export interface DpopKey {
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
}

/** A fresh per-process EC P-256 key pair; the private half cannot be exported. */
export const generateDpopKey: Effect.Effect<DpopKey> = Effect.promise(async () => {
  const { privateKey, publicKey } = await Jose.generateKeyPair("ES256")
  const { crv, kty, x, y } = await Jose.exportJWK(publicKey)
  const publicJwk: JWK = { crv: crv ?? "P-256", kty: kty ?? "EC", x: x ?? "", y: y ?? "" }
  return { privateKey, publicJwk }
})

/** `htu`: the request's URL without query and fragment. */
export const htu = (url: string): string => {
  const parsed = new URL(url)
  parsed.search = ""
  parsed.hash = ""
  return parsed.href
}

/** `ath`: base64url(SHA-256(access token)). */
export const ath = (accessToken: string): string =>
  Crypto.createHash("sha256").update(accessToken, "ascii").digest("base64url")

/** A DPoP proof for one request. */
export const proof = (options: {
  readonly key: DpopKey
  readonly method: string
  readonly url: string
  readonly nowMillis: number
  readonly nonce: string | undefined
  readonly accessToken: string | undefined
  /** {@link ath} of `accessToken`, when the caller has it already (one token serves many requests). */
  readonly accessTokenHash?: string | undefined
}): Effect.Effect<string> => {
  const claims: Record<string, string> = { htm: options.method.toUpperCase(), htu: htu(options.url) }
  if (options.accessToken !== undefined) claims.ath = options.accessTokenHash ?? ath(options.accessToken)
  if (options.nonce !== undefined) claims.nonce = options.nonce
  return Effect.promise(() =>
    new Jose.SignJWT(claims)
      .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: options.key.publicJwk })
      .setIssuedAt(Math.floor(options.nowMillis / 1000))
      .setJti(Crypto.randomUUID())
      .sign(options.key.privateKey)
  )
}
