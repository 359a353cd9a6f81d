/** The references module as the rest of the core uses it. (oxen-host.ts is imported directly.) */
export { prepareReferences, type PreparedReferences, type PrepareOptions } from './prepare.js';
export { REFERENCE_LIMITS, MB, largestAllowedFileBytes, checkReferenceLimits, type ReferenceLimits, type MediaFacts } from './limits.js';
export { ACCEPTED_FORMATS, sniffMedia, type SniffResult } from './sniff.js';
export { probeDurationSec } from './probe.js';
export { loadAttachments, type LoadedMedia, type LoadOutcome, type LoadOptions } from './load.js';
export { downloadAttachment, type DownloadOutcome, type DownloadOptions } from './download.js';
export { assignLabels, referenceLabel } from './labels.js';
export { rewritePromptReferences, type PromptCandidate, type ReferenceMapping, type RewrittenPrompt } from './prompt-references.js';
export { SelfReferenceHost, safeFileName, type SelfReferenceHostOptions, type ResolvedFile } from './self-host.js';
export { PassthroughReferenceHost, discordCdnExpiry } from './passthrough-host.js';
export { FallbackReferenceHost } from './fallback-host.js';
export { createReferenceHost, type ReferenceHostChoice } from './create-host.js';
export { ReferenceNotHostableError, isNotHostable, type NotHostableReason } from './host-errors.js';
export * from './types.js';
