/**
 * @since 0.1.0
 */
export * as CompromiseRules from "./CompromiseRules.js"
export * as OktaAuth from "./OktaAuth.js"
export * as OktaClient from "./OktaClient.js"
export * as OktaConfig from "./OktaConfig.js"
export * as OktaError from "./OktaError.js"
export * as OktaLogEvent from "./OktaLogEvent.js"
export * as OktaMetrics from "./OktaMetrics.js"
export * as OktaOAuth from "./OktaOAuth.js"
export * as OktaProvider from "./OktaProvider.js"
export * as OktaResources from "./OktaResources.js"
export * as Pagination from "./Pagination.js"
export * as RateLimiter from "./RateLimiter.js"
export * as RecentActivity from "./RecentActivity.js"
