// Over 350 lines on purpose: one authorization server: issuing tokens and checking assertions and proofs share its
// registry, replay sets and clock.
/**
 * The sandbox's authorization server, independent of routing: registered service apps, the `client_credentials`
 * token endpoint with `private_key_jwt` client authentication and DPoP (RFC 9449), and the check of a resource
 * request's access token and scope. A route mounts {@link Service.token} on `POST /oauth2/v1/token` and calls
 * {@link Service.verifyResourceRequest} before serving a resource; both answer with a plain {@link Reply} to send.
 *
 * Everything is verified for real with `jose`: the assertion's signature against the app's registered key, `aud`
 * (the token URL), `iss` = `sub` = client id, `exp` and `jti` replay; the DPoP proof's signature against its own
 * `jwk`, `typ`, `htm`, `htu`, `iat` freshness, `jti` replay, `ath`, the nonce and the token's `cnf.jkt` binding.
 * Tokens are opaque random strings that expire on Effect's Clock, so TestClock can expire them.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type { JWK } from "jose"
import * as Jose from "jose"
import * as Crypto from "node:crypto"

/** A registered service app. */
export interface App {
  readonly clientId: string
  /** The public JWK(s) of the app (with `kid` when the client sends one). */
  readonly publicKeys: ReadonlyArray<JWK>
  /** The scopes granted to the app (default: users, roles and logs). */
  readonly scopes?: ReadonlyArray<string> | undefined
  /** API service apps created since 2024 require DPoP (default false). */
  readonly requireDpop?: boolean | undefined
}

/** Options of the authorization server. */
export interface Options {
  readonly apps?: ReadonlyArray<App> | undefined
  /** Lifetime of an access token (default 1 hour). */
  readonly tokenLifetime?: Duration.DurationInput | undefined
  /** Whether DPoP proofs to the token endpoint must carry a server nonce (default true, like Okta). */
  readonly tokenNonce?: boolean | undefined
  /** Whether DPoP proofs to resources must carry a server nonce (default false). */
  readonly resourceNonce?: boolean | undefined
  /** How far a proof's `iat` may be from now (default 60 seconds). */
  readonly proofTolerance?: Duration.DurationInput | undefined
}

/** An HTTP answer for a route to send: status, headers, and a JSON body. */
export interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

/** A request as a route sees it: method, absolute URL and lower-case headers. */
export interface Request {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string | undefined>>
}

/** The outcome of checking a resource request. */
export type Verdict =
  | { readonly _tag: "Authorized"; readonly clientId: string; readonly scopes: ReadonlySet<string> }
  | { readonly _tag: "Refused"; readonly reply: Reply }

/** The authorization server. */
export interface Service {
  /** Registers (or replaces) a service app. */
  readonly register: (app: App) => Effect.Effect<void>
  /** Handles `POST /oauth2/v1/token` with its form-encoded body. */
  readonly token: (request: Request & { readonly body: string }) => Effect.Effect<Reply>
  /** Checks a resource request's token (Bearer or DPoP) and that it carries `requiredScope`. */
  readonly verifyResourceRequest: (request: Request, requiredScope: string) => Effect.Effect<Verdict>
  /** Revokes an access token early, as an admin would. */
  readonly revoke: (accessToken: string) => Effect.Effect<void>
  /** Revokes every access token issued so far (a test does not see the tokens themselves). */
  readonly revokeAll: Effect.Effect<void>
  /** Every access token issued so far, revoked or not: for tests that check no output ever shows one. */
  readonly issuedTokens: Effect.Effect<ReadonlyArray<string>>
  /** Counts of what was served, for tests. */
  readonly stats: Effect.Effect<{ readonly tokenRequests: number; readonly tokensIssued: number }>
}

/** The scopes an app is granted when its registration says nothing. */
export const defaultScopes: ReadonlyArray<string> = ["okta.users.read", "okta.roles.read", "okta.logs.read"]

interface Issued {
  readonly clientId: string
  readonly scopes: ReadonlySet<string>
  readonly expiresAt: number
  readonly jkt: string | undefined
}

const json = { "content-type": "application/json", "cache-control": "no-store" }

const oauthError = (error: string, description: string, headers: Record<string, string> = {}): Reply => ({
  status: 400,
  headers: { ...json, ...headers },
  body: { error, error_description: description }
})

const challenge = (
  status: 401 | 403,
  scheme: string,
  error: string,
  description: string,
  extra: Record<string, string> = {}
): Reply => {
  const { nonce, ...rest } = extra
  const params = [`error="${error}"`, `error_description="${description}"`]
  if (rest.scope !== undefined) params.push(`scope="${rest.scope}"`)
  return {
    status,
    headers: {
      ...json,
      "www-authenticate": `${scheme} ${params.join(", ")}`,
      ...(nonce === undefined ? {} : { "dpop-nonce": nonce })
    },
    body: { errorCode: status === 401 ? "E0000011" : "E0000006", errorSummary: description }
  }
}

const htuOf = (url: string): string => {
  const parsed = new URL(url)
  parsed.search = ""
  parsed.hash = ""
  return parsed.href
}

const random = () => Crypto.randomBytes(32).toString("base64url")

type ProofCheck =
  | { readonly _tag: "Valid"; readonly jkt: string }
  | { readonly _tag: "Invalid"; readonly reason: string }
  | { readonly _tag: "NeedsNonce" }

/** Builds an authorization server with its apps. */
export const make = (options: Options = {}): Effect.Effect<Service> =>
  Effect.gen(function*() {
    const lifetime = Duration.toMillis(options.tokenLifetime ?? Duration.hours(1))
    const tolerance = Duration.toMillis(options.proofTolerance ?? Duration.seconds(60))
    const apps = new Map<string, App>((options.apps ?? []).map((app) => [app.clientId, app]))
    const tokens = new Map<string, Issued>()
    const issuedLog: Array<string> = []
    const seenJti = new Map<string, number>()
    const nonces = new Map<string, number>()
    const stats = yield* Ref.make({ tokenRequests: 0, tokensIssued: 0 })

    /** Remembers a `jti` until it could no longer be accepted anyway; false when it was seen before. */
    const firstUse = (kind: string, jti: unknown, until: number, now: number): boolean => {
      if (typeof jti !== "string" || jti === "") return false
      for (const [key, expiry] of seenJti) if (expiry < now) seenJti.delete(key)
      const key = `${kind}:${jti}`
      if (seenJti.has(key)) return false
      seenJti.set(key, until)
      return true
    }

    const newNonce = (now: number): string => {
      for (const [nonce, expiry] of nonces) if (expiry < now) nonces.delete(nonce)
      const nonce = random()
      nonces.set(nonce, now + 5 * 60_000)
      return nonce
    }

    const checkProof = async (
      proof: string,
      expect: { method: string; url: string; accessToken?: string; nonceRequired: boolean },
      now: number
    ): Promise<ProofCheck> => {
      let header: Jose.ProtectedHeaderParameters
      try {
        header = Jose.decodeProtectedHeader(proof)
      } catch {
        return { _tag: "Invalid", reason: "The DPoP proof is not a JWT." }
      }
      if (header.typ !== "dpop+jwt") return { _tag: "Invalid", reason: "The DPoP proof's typ must be dpop+jwt." }
      const jwk = header.jwk
      if (jwk === undefined || typeof header.alg !== "string" || !/^(ES|RS|PS)(256|384|512)$/.test(header.alg)) {
        return { _tag: "Invalid", reason: "The DPoP proof must carry an asymmetric alg and a jwk header." }
      }
      if ("d" in jwk) return { _tag: "Invalid", reason: "The DPoP proof's jwk must be a public key." }
      let claims: Jose.JWTPayload
      try {
        const key = await Jose.importJWK(jwk, header.alg)
        claims = (await Jose.jwtVerify(proof, key, { typ: "dpop+jwt", currentDate: new Date(now) })).payload
      } catch {
        return { _tag: "Invalid", reason: "The DPoP proof's signature does not verify against its jwk." }
      }
      if (claims.htm !== expect.method.toUpperCase()) {
        return { _tag: "Invalid", reason: "The DPoP proof's htm does not match the request method." }
      }
      if (typeof claims.htu !== "string" || htuOf(claims.htu) !== htuOf(expect.url) || /[?#]/.test(claims.htu)) {
        return { _tag: "Invalid", reason: "The DPoP proof's htu does not match the request URL." }
      }
      if (typeof claims.iat !== "number" || Math.abs(claims.iat * 1000 - now) > tolerance) {
        return { _tag: "Invalid", reason: "The DPoP proof's iat is not recent." }
      }
      if (expect.accessToken !== undefined) {
        const ath = Crypto.createHash("sha256").update(expect.accessToken, "ascii").digest("base64url")
        if (claims.ath !== ath) return { _tag: "Invalid", reason: "The DPoP proof's ath does not match the token." }
      } else if (claims.ath !== undefined) {
        return { _tag: "Invalid", reason: "A DPoP proof to the token endpoint must not carry ath." }
      }
      if (expect.nonceRequired) {
        if (typeof claims.nonce !== "string" || (nonces.get(claims.nonce) ?? 0) < now) return { _tag: "NeedsNonce" }
      }
      if (!firstUse("proof", claims.jti, now + 2 * tolerance, now)) {
        return { _tag: "Invalid", reason: "The DPoP proof's jti was already used." }
      }
      return { _tag: "Valid", jkt: await Jose.calculateJwkThumbprint(jwk, "sha256") }
    }

    const checkAssertion = async (
      assertion: string,
      tokenUrl: string,
      now: number
    ): Promise<{ readonly app: App } | { readonly error: string }> => {
      let iss: unknown
      try {
        iss = Jose.decodeJwt(assertion).iss
      } catch {
        return { error: "The client_assertion is not a JWT." }
      }
      const app = typeof iss === "string" ? apps.get(iss) : undefined
      if (app === undefined) return { error: "The client_assertion's iss is not a registered client." }
      const kid = Jose.decodeProtectedHeader(assertion).kid
      const candidates = app.publicKeys.filter((key) => kid === undefined || key.kid === undefined || key.kid === kid)
      for (const jwk of candidates) {
        try {
          const key = await Jose.importJWK(jwk, Jose.decodeProtectedHeader(assertion).alg)
          const { payload } = await Jose.jwtVerify(assertion, key, {
            issuer: app.clientId,
            subject: app.clientId,
            audience: tokenUrl,
            currentDate: new Date(now),
            requiredClaims: ["exp", "jti"],
            algorithms: ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]
          })
          if (typeof payload.exp !== "number" || payload.exp * 1000 > now + 60 * 60_000) {
            return { error: "The client_assertion's exp is more than one hour away." }
          }
          if (!firstUse("assertion", payload.jti, payload.exp * 1000, now)) {
            return { error: "The client_assertion token has already been used (jti replay)." }
          }
          return { app }
        } catch {
          continue
        }
      }
      return { error: "The client_assertion signature, aud, iss, sub or exp is invalid." }
    }

    const token = (request: Request & { readonly body: string }): Effect.Effect<Reply> =>
      Effect.gen(function*() {
        yield* Ref.update(stats, (s) => ({ ...s, tokenRequests: s.tokenRequests + 1 }))
        const now = yield* Clock.currentTimeMillis
        const tokenUrl = htuOf(request.url)
        const form = new URLSearchParams(request.body)
        if (form.get("grant_type") !== "client_credentials") {
          return oauthError("unsupported_grant_type", "The authorization grant type is not supported.")
        }
        if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
          return oauthError("invalid_client", "Client authentication requires a private_key_jwt client_assertion.")
        }
        const assertion = form.get("client_assertion") ?? ""
        let iss: unknown
        try {
          iss = Jose.decodeJwt(assertion).iss
        } catch {
          iss = undefined
        }
        const claimed = typeof iss === "string" ? apps.get(iss) : undefined
        // DPoP comes first so that asking for a nonce spends none of the client's assertion `jti`s.
        const proof = request.headers["dpop"]
        let jkt: string | undefined
        if (proof !== undefined) {
          const check = yield* Effect.promise(() =>
            checkProof(proof, { method: request.method, url: tokenUrl, nonceRequired: options.tokenNonce ?? true }, now)
          )
          if (check._tag === "NeedsNonce") {
            return oauthError("use_dpop_nonce", "Authorization server requires nonce in DPoP proof.", {
              "dpop-nonce": newNonce(now)
            })
          }
          if (check._tag === "Invalid") return oauthError("invalid_dpop_proof", check.reason)
          jkt = check.jkt
        } else if (claimed?.requireDpop === true) {
          return oauthError("invalid_dpop_proof", "The DPoP proof JWT header is missing.")
        }
        const client = yield* Effect.promise(() => checkAssertion(assertion, tokenUrl, now))
        if ("error" in client) return { ...oauthError("invalid_client", client.error), status: 401 }
        const requested = (form.get("scope") ?? "").split(" ").filter((s) => s !== "")
        const granted = new Set(client.app.scopes ?? defaultScopes)
        const refused = requested.filter((s) => !granted.has(s))
        if (requested.length === 0) return oauthError("invalid_scope", "The scope parameter is required.")
        if (refused.length > 0) {
          return oauthError("invalid_scope", `The following scopes are not granted to the client: ${refused.join(" ")}`)
        }
        const accessToken = random()
        issuedLog.push(accessToken)
        tokens.set(accessToken, {
          clientId: client.app.clientId,
          scopes: new Set(requested),
          expiresAt: now + lifetime,
          jkt
        })
        yield* Ref.update(stats, (s) => ({ ...s, tokensIssued: s.tokensIssued + 1 }))
        return {
          status: 200,
          headers: json,
          body: {
            token_type: jkt === undefined ? "Bearer" : "DPoP",
            expires_in: Math.floor(lifetime / 1000),
            access_token: accessToken,
            scope: requested.join(" ")
          }
        }
      })

    const verifyResourceRequest = (request: Request, requiredScope: string): Effect.Effect<Verdict> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const refuse = (reply: Reply): Verdict => ({ _tag: "Refused", reply })
        const match = /^(Bearer|DPoP) (\S+)$/i.exec(request.headers["authorization"] ?? "")
        if (match === null) return refuse(challenge(401, "Bearer", "invalid_token", "No access token was sent."))
        const scheme = match[1].toLowerCase() === "dpop" ? "DPoP" : "Bearer"
        const accessToken = match[2]
        const issued = tokens.get(accessToken)
        if (issued === undefined || issued.expiresAt <= now) {
          return refuse(challenge(401, scheme, "invalid_token", "The access token is invalid, expired or revoked."))
        }
        if (issued.jkt !== undefined) {
          if (scheme !== "DPoP") {
            return refuse(challenge(401, "DPoP", "invalid_token", "A DPoP-bound token must be sent as DPoP."))
          }
          const proof = request.headers["dpop"]
          if (proof === undefined) {
            return refuse(challenge(401, "DPoP", "invalid_dpop_proof", "The DPoP proof is missing."))
          }
          const check = yield* Effect.promise(() =>
            checkProof(proof, {
              method: request.method,
              url: request.url,
              accessToken,
              nonceRequired: options.resourceNonce ?? false
            }, now)
          )
          if (check._tag === "NeedsNonce") {
            return refuse(challenge(401, "DPoP", "use_dpop_nonce", "Resource server requires nonce in DPoP proof.", {
              nonce: newNonce(now)
            }))
          }
          if (check._tag === "Invalid") return refuse(challenge(401, "DPoP", "invalid_dpop_proof", check.reason))
          if (check.jkt !== issued.jkt) {
            return refuse(challenge(401, "DPoP", "invalid_token", "The DPoP proof's key is not the token's key."))
          }
        } else if (scheme !== "Bearer") {
          return refuse(challenge(401, "Bearer", "invalid_token", "A Bearer token must be sent as Bearer."))
        }
        if (!issued.scopes.has(requiredScope)) {
          return refuse(challenge(
            403,
            scheme,
            "insufficient_scope",
            "The access token provided does not contain " +
              "the required scopes.",
            { scope: requiredScope }
          ))
        }
        return { _tag: "Authorized", clientId: issued.clientId, scopes: issued.scopes }
      })

    return {
      register: (app) => Effect.sync(() => void apps.set(app.clientId, app)),
      token,
      verifyResourceRequest,
      revoke: (accessToken) => Effect.sync(() => void tokens.delete(accessToken)),
      revokeAll: Effect.sync(() => tokens.clear()),
      issuedTokens: Effect.sync(() => [...issuedLog]),
      stats: Ref.get(stats)
    }
  })

/** A ready key pair for a demo: the private JWK to configure enrich with, the public JWK to register. */
export interface DemoKeyPair {
  readonly clientId: string
  readonly privateJwk: JWK
  readonly publicJwk: JWK
  /** `OKTA_CLIENT_ID=...` and `OKTA_PRIVATE_KEY=...` lines for a shell or `.env` file. */
  readonly env: ReadonlyArray<string>
}

/** Generates a key pair (RS256 by default) for a demo service app, with its `kid` and env lines. */
export const generateDemoKeyPair = (
  options: { readonly clientId?: string; readonly algorithm?: "RS256" | "ES256" } = {}
): Effect.Effect<DemoKeyPair> =>
  Effect.promise(async () => {
    const alg = options.algorithm ?? "RS256"
    const clientId = options.clientId ?? "0oa-sandbox-service-app"
    const { privateKey, publicKey } = await Jose.generateKeyPair(alg, { extractable: true })
    const publicJwk = await Jose.exportJWK(publicKey)
    const kid = await Jose.calculateJwkThumbprint(publicJwk, "sha256")
    const privateJwk = { ...(await Jose.exportJWK(privateKey)), kid, alg, use: "sig" }
    return {
      clientId,
      privateJwk,
      publicJwk: { ...publicJwk, kid, alg, use: "sig" },
      env: [`OKTA_CLIENT_ID=${clientId}`, `OKTA_PRIVATE_KEY='${JSON.stringify(privateJwk)}'`]
    }
  })
