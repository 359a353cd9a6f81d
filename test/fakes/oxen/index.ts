/** The fake Oxen hub for tests and benchmarks. */
export { startFakeOxen, RESULTS_REPO, type FakeOxen, type FakeOxenOptions, type FakeSwitches, type RecordedRequest, type ResultMode, type StoredFile } from './server.js';
export { type RouteName, type FaultAction, FaultQueue } from './faults.js';
export { type FakeGeneration, type Outcome, type StageTiming, generationRow } from './generations.js';
export * from './schemas.js';
export { findInvalidParameter } from './validate-body.js';
export { type ResultsServer, type ResultRequest } from './results-server.js';
export { type FetchedInput, type MediaField, MEDIA_FIELDS } from './input-fetch.js';
export { type SeedanceFailure, seedanceFailureText } from './seedance-failures.js';
