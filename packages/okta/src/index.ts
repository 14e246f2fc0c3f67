/**
 * @since 0.1.0
 */
export * as OktaClient from "./OktaClient.js"
export * as OktaError from "./OktaError.js"
export * as OktaProvider from "./OktaProvider.js"
export * as OktaResources from "./OktaResources.js"
