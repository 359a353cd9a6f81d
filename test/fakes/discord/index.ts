/** The fake Discord (REST + gateway + CDN) for tests and benchmarks. */
export { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions, type RecordedCall, type RecordedFile, type RouteName, type Denial } from './server.js';
export { FakeGateway, MESSAGE_CONTENT_INTENT } from './gateway.js';
export * from './payloads.js';
