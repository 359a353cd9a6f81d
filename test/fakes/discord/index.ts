/** The fake Discord (REST + gateway + CDN) for tests and benchmarks. */
export { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions, type RecordedCall, type RecordedFile, type RouteName, type Denial, type FakeGuild } from './server.js';
export { FakeGateway, MESSAGE_CONTENT_INTENT, shardOfGuild } from './gateway.js';
export * from './payloads.js';
