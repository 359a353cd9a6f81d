/**
 * Request schemas as Oxen publishes them, cached. The live schema decides the body; the built-in
 * one in the catalog stands in when the models endpoint is down or has no usable schema.
 */
import { pricingSchema, requestSchemaSchema, type OxenModel, type Pricing, type RequestSchema } from '../oxen/types.js';
import type { CatalogEntry } from './catalog.js';

/** What the Oxen client implements: GET /api/ai/models/{id}. */
export interface ModelSchemaSource {
  getModel(id: string): Promise<OxenModel>;
}

export type SchemaOrigin = 'live' | 'fallback';
export type FallbackReason = 'unreachable' | 'no_schema' | 'invalid_schema';

export interface ModelSchema {
  modelId: string;
  schema: RequestSchema;
  source: SchemaOrigin;
  /** Why the built-in schema is used, when it is. */
  fallbackReason?: FallbackReason;
  /** A live schema kept past its TTL because refreshing it failed. */
  stale?: boolean;
  /** The model's pricing, when Oxen answered with one. */
  pricing?: Pricing;
  /** When this answer was obtained (ms, from the injected clock). */
  obtainedAt: number;
}

export interface ModelSchemasOptions {
  /** How long a live schema is trusted. Default 1 hour. */
  ttlMs?: number;
  /** How long a failed lookup is remembered before Oxen is asked again. Default 1 minute. */
  retryAfterMs?: number;
  now?: () => number;
  /** Told whenever a lookup did not give a usable live schema (for logs and metrics). */
  onFallback?: (modelId: string, reason: FallbackReason, error?: unknown) => void;
}

export const DEFAULT_SCHEMA_TTL_MS = 60 * 60 * 1000;
export const DEFAULT_SCHEMA_RETRY_AFTER_MS = 60 * 1000;

interface CacheEntry {
  value: ModelSchema;
  expiresAt: number;
}

export class ModelSchemas {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<ModelSchema>>();
  private readonly ttlMs: number;
  private readonly retryAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: ModelSchemaSource,
    private readonly options: ModelSchemasOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_SCHEMA_TTL_MS;
    this.retryAfterMs = options.retryAfterMs ?? DEFAULT_SCHEMA_RETRY_AFTER_MS;
    this.now = options.now ?? Date.now;
  }

  /** The schema to translate for `model`. Never rejects: the built-in schema is the last resort. */
  get(model: CatalogEntry): Promise<ModelSchema> {
    const cached = this.cache.get(model.id);
    if (cached && this.now() < cached.expiresAt) return Promise.resolve(cached.value);
    const pending = this.inFlight.get(model.id);
    if (pending) return pending;
    const lookup = this.lookUp(model, cached?.value).finally(() => this.inFlight.delete(model.id));
    this.inFlight.set(model.id, lookup);
    return lookup;
  }

  /** Forgets one model's schema, or all of them. */
  clear(modelId?: string): void {
    if (modelId === undefined) this.cache.clear();
    else this.cache.delete(modelId);
  }

  private async lookUp(model: CatalogEntry, previous: ModelSchema | undefined): Promise<ModelSchema> {
    let fetched: OxenModel;
    try {
      fetched = await this.source.getModel(model.id);
    } catch (error) {
      this.options.onFallback?.(model.id, 'unreachable', error);
      // A live schema that has merely aged is closer to the truth than the built-in one.
      const value: ModelSchema =
        previous?.source === 'live'
          ? { ...previous, stale: true, obtainedAt: this.now() }
          : this.fallback(model, 'unreachable', undefined);
      return this.remember(value, this.retryAfterMs);
    }

    const pricing = parsePricing(fetched.pricing);
    const raw = fetched.request_schema ?? fetched.json_request_schema;
    if (raw === undefined || raw === null) {
      this.options.onFallback?.(model.id, 'no_schema');
      return this.remember(this.fallback(model, 'no_schema', pricing), this.retryAfterMs);
    }
    const parsed = requestSchemaSchema.safeParse(raw);
    if (!parsed.success || !parsed.data.properties['prompt']) {
      this.options.onFallback?.(model.id, 'invalid_schema', parsed.success ? undefined : parsed.error);
      return this.remember(this.fallback(model, 'invalid_schema', pricing), this.retryAfterMs);
    }
    const value: ModelSchema = { modelId: model.id, schema: parsed.data, source: 'live', obtainedAt: this.now() };
    if (pricing) value.pricing = pricing;
    return this.remember(value, this.ttlMs);
  }

  private fallback(model: CatalogEntry, reason: FallbackReason, pricing: Pricing | undefined): ModelSchema {
    const value: ModelSchema = {
      modelId: model.id,
      schema: model.fallbackSchema,
      source: 'fallback',
      fallbackReason: reason,
      obtainedAt: this.now(),
    };
    if (pricing) value.pricing = pricing;
    return value;
  }

  private remember(value: ModelSchema, forMs: number): ModelSchema {
    this.cache.set(value.modelId, { value, expiresAt: this.now() + forMs });
    return value;
  }
}

function parsePricing(raw: unknown): Pricing | undefined {
  if (raw === undefined || raw === null) return undefined;
  const parsed = pricingSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
