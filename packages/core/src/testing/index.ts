/**
 * Test helpers for code built on @enrich/core.
 *
 * @since 0.1.0
 */
export * as FakeProvider from "./FakeProvider.js"
