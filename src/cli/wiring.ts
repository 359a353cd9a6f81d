/**
 * The core as the CLI uses it: the same Oxen client, schemas, reference host, engine and service
 * the bot builds in src/app.ts, without the HTTP server and the chat adapters.
 */
import type { CliConfig } from '../core/config.js';
import { JobEngine, type EngineEvents, type EngineSettings } from '../core/jobs/engine.js';
import type { Platform } from '../core/jobs/job.js';
import type { PlatformPort } from '../core/jobs/ports.js';
import type { JobStore } from '../core/jobs/store.js';
import type { MediaConverter } from '../core/media/converter.js';
import { ModelSchemas, type FallbackReason } from '../core/models/schemas.js';
import { OxenClient } from '../core/oxen/client.js';
import { createReferenceHost } from '../core/references/create-host.js';
import { OxenReferenceHost } from '../core/references/oxen-host.js';
import type { ReferenceStore } from '../core/references/reference-store.js';
import { SelfReferenceHost } from '../core/references/self-host.js';
import { VideoService, type Actor } from '../core/service.js';

/** Who the CLI acts as: the operator, an admin of the jobs it reads. */
export const OPERATOR: Actor & { scopeId: string } = { platform: 'cli', userId: 'operator', scopeId: 'terminal' };

export function oxenClient(config: Pick<CliConfig, 'oxen'>, options: { quick?: boolean } = {}): OxenClient {
  return new OxenClient({
    apiKey: config.oxen.apiKey,
    baseUrl: config.oxen.baseUrl,
    // check and models say at once what is wrong rather than retrying for a minute.
    ...(options.quick ? { retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1_000 }, timeouts: { requestMs: 15_000 } } : {}),
  });
}

export interface SchemaFallback {
  reason: FallbackReason;
  error?: unknown;
}

/** Schemas that remember why each model fell back to its built-in schema. */
export function modelSchemas(oxen: OxenClient): { schemas: ModelSchemas; fallbacks: Map<string, SchemaFallback> } {
  const fallbacks = new Map<string, SchemaFallback>();
  const schemas = new ModelSchemas(oxen, { onFallback: (modelId, reason, error) => fallbacks.set(modelId, { reason, ...(error !== undefined ? { error } : {}) }) });
  return { schemas, fallbacks };
}

export interface CliCore {
  oxen: OxenClient;
  schemas: ModelSchemas;
  engine: JobEngine;
  service: VideoService;
}

export interface CliCoreOptions {
  store: JobStore;
  /** Where jobs' files wait: the bot's own when its server serves them (REFERENCE_HOSTING self). */
  files: ReferenceStore;
  port?: PlatformPort;
  /** FFmpeg, to convert references the model does not take (as the bot does). */
  media?: MediaConverter;
  engine?: Partial<EngineSettings>;
  events?: EngineEvents;
  onError?(error: unknown, context: { jobId?: string; step: string }): void;
}

/** The reference host is chosen as the bot chooses it (config.referenceHosting), Oxen's as the fallback. */
export function cliCore(config: CliConfig, options: CliCoreOptions): CliCore {
  const oxen = oxenClient(config);
  const { schemas } = modelSchemas(oxen);
  const self =
    config.http.publicBaseUrl && config.referenceHosting !== 'oxen'
      ? new SelfReferenceHost({ publicBaseUrl: config.http.publicBaseUrl, files: options.files })
      : undefined;
  const host = createReferenceHost({
    kind: config.referenceHosting,
    ...(self ? { self } : {}),
    files: options.files,
    oxen: new OxenReferenceHost({ client: oxen, repo: config.oxen.referenceRepo }),
  });
  const ports = new Map<Platform, PlatformPort>(options.port ? [[options.port.platform, options.port]] : []);
  const engine = new JobEngine(
    {
      store: options.store,
      oxen,
      host,
      ports,
      relaunch: VideoService.relaunch(schemas, options.files),
      ...(options.onError ? { onError: options.onError } : {}),
      ...(options.events ? { events: options.events } : {}),
    },
    { deadlineMs: config.limits.jobTimeoutMs, tagRepo: config.oxen.referenceRepo, ...options.engine },
  );
  const service = new VideoService(
    { store: options.store, schemas, engine, ports, references: options.files, ...(options.media ? { media: options.media } : {}) },
    { perUserLimit: 100, admins: new Set([`${OPERATOR.platform}:${OPERATOR.userId}`]) },
  );
  return { oxen, schemas, engine, service };
}
