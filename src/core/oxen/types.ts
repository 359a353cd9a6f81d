/** Wire shapes of the Oxen inference API (reference/oxen-api.md), parsed leniently with zod. */
import { z } from 'zod';

export const GENERATION_STATUSES = ['queued', 'processing', 'succeeded', 'failed', 'cancelled'] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];
export const TERMINAL_STATUSES: readonly GenerationStatus[] = ['succeeded', 'failed', 'cancelled'];

export const enqueueResponseSchema = z.object({
  generations: z.array(z.object({ generation_id: z.string(), status: z.string() }).loose()),
}).loose();
export type EnqueueResponse = z.infer<typeof enqueueResponseSchema>;

export const queueGenerationSchema = z
  .object({
    generation_id: z.string(),
    model_name: z.string().optional(),
    media_type: z.string().optional(),
    status: z.enum(GENERATION_STATUSES),
    enqueued_at: z.number().nullish(),
    started_at: z.number().nullish(),
    completed_at: z.number().nullish(),
    result_url: z.string().nullish(),
    error_message: z.string().nullish(),
    error_retryable: z.boolean().optional(),
    prompt: z.string().optional(),
    /** Echoed from the enqueue: the bot's tag of the job that made this generation. */
    target_namespace: z.string().nullish(),
    target_repo: z.string().nullish(),
    target_directory: z.string().nullish(),
  })
  .loose();
export type QueueGeneration = z.infer<typeof queueGenerationSchema>;

export const queueListSchema = z.object({ count: z.number(), generations: z.array(queueGenerationSchema) }).loose();
export type QueueList = z.infer<typeof queueListSchema>;

/** A queue row read for following a job only; every other field is dropped. */
export const queueStatusRowSchema = z.object({
  generation_id: z.string(),
  status: z.enum(GENERATION_STATUSES),
  result_url: z.string().nullish(),
  error_message: z.string().nullish(),
  target_repo: z.string().nullish(),
  target_directory: z.string().nullish(),
});
export type QueueStatusRow = z.infer<typeof queueStatusRowSchema>;

export const cancelResponseSchema = z.object({ status: z.string(), generation_id: z.string().optional() }).loose();

/** One property of a model's request_schema (a JSON Schema subset). */
export const schemaPropertySchema = z
  .object({
    type: z.union([z.string(), z.array(z.string())]).optional(),
    description: z.string().optional(),
    default: z.unknown().optional(),
    enum: z.array(z.unknown()).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    format: z.string().optional(),
    items: z.object({ type: z.string().optional() }).loose().optional(),
    anyOf: z.array(z.object({}).loose()).optional(),
    oneOf: z.array(z.object({}).loose()).optional(),
  })
  .loose();
export type SchemaProperty = z.infer<typeof schemaPropertySchema>;

export const requestSchemaSchema = z
  .object({
    properties: z.record(z.string(), schemaPropertySchema),
    required: z.array(z.string()).optional(),
    basic: z.array(z.string()).optional(),
  })
  .loose();
export type RequestSchema = z.infer<typeof requestSchemaSchema>;

export const pricingSchema = z
  .object({
    method: z.string().nullish(),
    cost_per_second: z.number().nullish(),
    cost_per_second_by_resolution: z.record(z.string(), z.number()).nullish(),
    cost_per_second_with_audio: z.number().nullish(),
    cost_per_second_high_res: z.number().nullish(),
  })
  .loose();
export type Pricing = z.infer<typeof pricingSchema>;

export const modelSchema = z
  .object({
    id: z.string(),
    display_name: z.string().optional(),
    endpoint: z.string().optional(),
    pricing: pricingSchema.nullish(),
    request_schema: requestSchemaSchema.nullish(),
    json_request_schema: requestSchemaSchema.nullish(),
  })
  .loose();
export type OxenModel = z.infer<typeof modelSchema>;

/** `event: media_generation_completed` on GET /api/events. Only succeeded and failed are sent. */
export const completionEventSchema = z
  .object({
    generation_id: z.string(),
    status: z.enum(['succeeded', 'failed']),
    media_type: z.string().optional(),
    model: z.string().optional(),
    url: z.string().optional(),
    error: z.string().optional(),
  })
  .loose();
export type CompletionEvent = z.infer<typeof completionEventSchema>;

/** The model's JSON Schema for its request body. The docs call it by two names; read both. */
export function requestSchemaOf(model: OxenModel): RequestSchema | undefined {
  return model.request_schema ?? model.json_request_schema ?? undefined;
}

export type CancelResponse = z.infer<typeof cancelResponseSchema>;

/** Filters of GET /api/ai/queue. Without `status`, only queued and processing rows come back. */
export interface QueueListFilters {
  status?: GenerationStatus;
  model?: string;
  media_type?: 'image' | 'video';
  /** Matches the `target_repo` the job was enqueued with. */
  repo?: string;
  /** Matches the `target_directory` the job was enqueued with. */
  folder?: string;
  namespace?: string;
}

/**
 * What a generation cost, from GET /api/ai/generations(/{id}) (oxen-hub-openapi.json,
 * GenerationsController): `cost` is a decimal string, null while nothing was charged. Only the
 * id and cost are read; the rows carry every echoed parameter too.
 */
export const generationCostRowSchema = z.object({ generation_id: z.string(), cost: z.string().nullish() }).loose();
export type GenerationCostRow = z.infer<typeof generationCostRowSchema>;
export const generationShowSchema = z.object({ generation: generationCostRowSchema }).loose();
export const generationsPageSchema = z.object({ generations: z.array(generationCostRowSchema), total_pages: z.number().optional() }).loose();

// Reference upload (undocumented, used by an Oxen-authored client; oxen-api.md section 7).
export const whoAmIResponseSchema = z.object({ user: z.object({ username: z.string().min(1) }).loose() }).loose();
export const workbenchUploadResponseSchema = z.object({ asset_path: z.string().min(1) }).loose();
export const presignedUrlResponseSchema = z.object({ url: z.string().min(1) }).loose();
