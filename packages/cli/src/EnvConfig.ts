/**
 * Where the CLI's configuration comes from: flags, then the environment, then a `.env` file in the working directory
 * (`OKTA_DOMAIN`, `OKTA_API_TOKEN`), as one `ConfigProvider`.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as PlatformConfigProvider from "@effect/platform/PlatformConfigProvider"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/** The `.env` file exists but could not be read. */
export class DotEnvError extends Schema.TaggedError<DotEnvError>()("DotEnvError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot read ${this.path}: ${this.reason}`
  }
}

/**
 * The configuration provider: `overrides` (values given by flags, e.g. `--sandbox`) win over the environment, which
 * wins over `<cwd>/.env`. A missing `.env` is fine; an unreadable one fails with {@link DotEnvError}.
 */
export const configProvider = (options: {
  readonly cwd: string
  readonly overrides?: Readonly<Record<string, string>> | undefined
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}): Effect.Effect<ConfigProvider.ConfigProvider, DotEnvError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = `${options.cwd.replace(/\/+$/, "")}/.env`
    const environment = options.env === undefined
      ? ConfigProvider.fromEnv()
      : ConfigProvider.fromMap(
        new Map(Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined))
      )
    let provider = ConfigProvider.fromMap(new Map(Object.entries(options.overrides ?? {}))).pipe(
      ConfigProvider.orElse(() => environment)
    )
    const exists = yield* fs.exists(path).pipe(Effect.orElseSucceed(() => false))
    if (exists) {
      const dotEnv = yield* PlatformConfigProvider.fromDotEnv(path).pipe(
        Effect.mapError((error) => new DotEnvError({ path, reason: error.message }))
      )
      provider = ConfigProvider.orElse(provider, () => dotEnv)
    }
    return provider
  })

/**
 * The variables that make `OktaOAuth.load` do more than answer "no OAuth" (an OAuth setting, or one it would refuse:
 * `OKTA_DPOP=maybe`, `OKTA_CLIENT_AUTHORIZATIONMODE=Magic`). With none of them set, the CLI does not load the OAuth
 * module (and `jose`) at all: a plain API-token lookup starts faster. Keep in step with `OktaOAuth`'s `raw` config.
 */
export const oauthVariables: ReadonlyArray<string> = [
  "OKTA_CLIENT_ID",
  "OKTA_CLIENT_CLIENTID",
  "OKTA_PRIVATE_KEY",
  "OKTA_CLIENT_PRIVATEKEY",
  "OKTA_CLIENT_AUTHORIZATIONMODE",
  "OKTA_DPOP"
]

/** Whether any of `names` is set in `provider` (a read that fails counts as set: the caller reports it). */
export const anySet = (
  provider: ConfigProvider.ConfigProvider,
  names: ReadonlyArray<string>
): Effect.Effect<boolean> =>
  Effect.exists(names, (name) =>
    Config.option(Config.string(name)).pipe(
      Effect.map(Option.isSome),
      Effect.orElseSucceed(() => true)
    )).pipe(Effect.withConfigProvider(provider))
