/** The Oxen client as the rest of the core uses it. */
export { OxenClient, DEFAULT_BASE_URL, DEFAULT_USER_AGENT, MAX_NUM_GENERATIONS, MIN_NUM_GENERATIONS, MAX_RESULT_REDIRECTS } from './client.js';
export type { OxenClientOptions, OxenClientTimeouts, CallOptions, EnqueueBody, ResultStream } from './client.js';
export { OxenError, isOxenError, OXEN_ERROR_CODES, type OxenErrorCode, type OxenErrorFields } from './errors.js';
export { parseErrorBody, parseRetryAfter, sanitizeDetail, errorFromResponse } from './error-mapping.js';
export { COMPLETION_EVENT, DEFAULT_IDLE_TIMEOUT_MS, type CompletionEventStream, type EventStreamOptions, type MalformedEvent } from './events.js';
export { subscribeCompletions, reconnectDelay, DEFAULT_COMPLETION_BACKOFF, type CompletionBackoff, type SubscribeCompletionsOptions } from './completions.js';
export { DEFAULT_RETRY_POLICY, jitteredBackoff, realSleep, type RetryPolicy, type Sleep } from './retry.js';
export * from './types.js';
