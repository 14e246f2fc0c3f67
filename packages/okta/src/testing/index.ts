/**
 * Test kit for code that talks to Okta: a faithful fake Okta org served over real HTTP ({@link Sandbox}) and the
 * seed-org model with its pure queries ({@link SandboxOrg}).
 *
 * @since 0.1.0
 */
export * as FakeOktaClient from "./FakeOktaClient.js"
export * as Sandbox from "./Sandbox.js"
export * as SandboxActivity from "./SandboxActivity.js"
export * as SandboxOAuth from "./SandboxOAuth.js"
export * as SandboxOrg from "./SandboxOrg.js"
export * as SearchExpression from "./SearchExpression.js"
