/**
 * Step 3 of a request (DESIGN.md): from what a person typed and attached to a plan that is
 * known to be acceptable, before anything is hosted, enqueued or spent. Every problem found —
 * options, files, model — is returned at once.
 */
import { checkRequest, translateRequest, type EffectiveSettings, type HostedMedia, type Translation } from './models/translate.js';
import { randomInt } from 'node:crypto';
import { estimateCostOf, longestDuration, type CostEstimate } from './models/cost.js';
import type { ModelSchemas, SchemaOrigin } from './models/schemas.js';
import { selectModel, type Selection } from './models/select.js';
import type { CatalogEntry } from './models/catalog.js';
import type { RequestSchema } from './oxen/types.js';
import { checkDeclaredAttachments, declaredKind } from './references/declared.js';
import { prepareReferences, type PreparedReferences, type PrepareOptions } from './references/prepare.js';
import { referenceLimitsFor } from './references/limits.js';
import { withEveryFile } from './references/every-file.js';
import { faceTaken, modelLabels, relabelPrompt } from './references/faces.js';
import { largestReadableBytes } from './references/load.js';
import type { ReferenceMapping } from './references/prompt-references.js';
import type { IncomingAttachment, Reference } from './references/types.js';
import { SEED_MAX, type GenerationRequest } from './request.js';
import { fail, ok, type Problem, type Result } from './result.js';

export interface GenerationPlan {
  /**
   * The request with its prompt rewritten to canonical labels (the person's, in upload order), and
   * the files it does not name added at its end (references/every-file.ts).
   */
  request: GenerationRequest;
  /** The prompt the model receives: `request.prompt` with face media numbered first (references/faces.ts). */
  modelPrompt: string;
  model: CatalogEntry;
  selection: Omit<Selection, 'model'>;
  schema: RequestSchema;
  schemaSource: SchemaOrigin;
  references: Reference[];
  mapping: ReferenceMapping[];
  settings: EffectiveSettings;
  estimate: CostEstimate;
  /**
   * Removes the references' temporary files (references/prepare.ts): call it once they are saved
   * or the plan is given up, on every path.
   */
  release(): Promise<void>;
}

// Problems about the model's options that hold whatever the files turn out to be.
const OPTION_PROBLEMS = new Set<Problem['code']>(['model.unsupported_value', 'model.unsupported_option', 'option.invalid_value']);

export async function planGeneration(
  request: GenerationRequest,
  attachments: readonly IncomingAttachment[],
  deps: { schemas: ModelSchemas; referenceOptions?: PrepareOptions },
): Promise<Result<GenerationPlan>> {
  const prepared = await prepareReferences(attachments, request.prompt, withVersionLimits(request, deps.referenceOptions), request.options.faces);
  try {
    const planned = await planFrom(request, prepared, deps);
    if (prepared.ok && !planned.ok) await prepared.value.release();
    return planned;
  } catch (error) {
    if (prepared.ok) await prepared.value.release();
    throw error;
  }
}

async function planFrom(request: GenerationRequest, prepared: Result<PreparedReferences>, deps: { schemas: ModelSchemas }): Promise<Result<GenerationPlan>> {
  const references = prepared.ok ? prepared.value.references : [];
  const selection = selectModel(request.options, references);
  const modelSchema = await deps.schemas.get(selection.model);
  // Reference-to-video: every file is named in the prompt, so the model knows what each is for.
  const everyFile = prepared.ok && selection.model.mode === 'reference' ? withEveryFile(prepared.value.prompt, prepared.value.mapping) : undefined;
  const prompt = everyFile?.ok ? everyFile.value.prompt : prepared.ok ? prepared.value.prompt : request.prompt;
  const options = withSeed(request, modelSchema.schema);
  const checked = checkRequest({ model: selection.model, schema: modelSchema.schema, prompt, options, media: references });
  const tierProblems = tierIgnored(request, selection.model);

  if (!prepared.ok) {
    // The files could not all be read, so only the option problems of the model are certain.
    const optionProblems = checked.ok ? [] : checked.problems.filter(isOptionProblem);
    return fail(...prepared.problems, ...optionProblems, ...tierProblems);
  }
  if (everyFile && !everyFile.ok) return fail(...everyFile.problems, ...(checked.ok ? [] : checked.problems), ...tierProblems);
  if (!checked.ok) return fail(...checked.problems, ...tierProblems);
  if (tierProblems.length > 0) return fail(...tierProblems);
  const moved = modelLabels(selection.model.mode, modelSchema.schema, references);
  const byLabel = new Map(references.map((r) => [r.label, r]));
  const frameOf = (label: string) => (selection.model.mode !== 'image' ? undefined : label === '@Image1' ? 'first' : label === '@Image2' ? 'last' : undefined);
  const mapping = prepared.value.mapping.map((m) => {
    const reference = byLabel.get(m.label);
    const face = reference !== undefined && faceTaken(selection.model.mode, modelSchema.schema, reference, frameOf(m.label));
    return { ...m, ...(face ? { face: true } : {}), ...(moved.has(m.label) ? { sentAs: moved.get(m.label)! } : {}) };
  });

  const { model, ...reasons } = selection;
  return ok({
    request: { prompt, options, ...(request.given ? { given: request.given } : {}) },
    modelPrompt: relabelPrompt(prompt, moved),
    model,
    selection: reasons,
    schema: modelSchema.schema,
    schemaSource: modelSchema.source,
    references,
    mapping,
    settings: checked.value,
    estimate: estimateCostOf(checked.value, modelSchema.pricing, longestDuration(model, modelSchema.schema)),
    release: prepared.value.release,
  });
}

/** The file limits of the version asked for (2.5 takes more files), unless the caller set its own. */
function withVersionLimits(request: GenerationRequest, options: PrepareOptions | undefined): PrepareOptions {
  return { ...options, limits: options?.limits ?? referenceLimitsFor(request.options.version) };
}

/**
 * A seed for a model whose schema takes one, when the person gave none: drawn here so it is sent,
 * shown in Parameters and can be typed again to repeat the video. Retry draws a new one (service.ts).
 */
function withSeed(request: GenerationRequest, schema: RequestSchema): GenerationRequest['options'] {
  if (request.options.seed !== undefined || !schema.properties['seed']) return request.options;
  return { ...request.options, seed: randomInt(0, SEED_MAX) };
}

/** A tier typed with 2.5, which has one: said rather than silently dropped. */
function tierIgnored(request: GenerationRequest, model: CatalogEntry): Problem[] {
  const typed = request.given?.includes('tier') && request.options.tier !== 'auto';
  return model.version !== '2.0' && typed ? [{ code: 'model.unsupported_option', params: { option: 'tier', model: model.displayName } }] : [];
}

/** What is known before any file is downloaded: enough to admit the request (slot and budget). */
export interface PlanPreview {
  model: CatalogEntry;
  /** undefined when the files' declared kinds or the options do not fit the model: the budget then waits for the bytes. */
  estimate?: CostEstimate;
  /**
   * Options that are wrong whatever the files turn out to be. They do not stop the download: the
   * files' own problems are reported with them, all at once (planGeneration finds them again).
   */
  optionProblems: Problem[];
}

/**
 * The cheap checks, before anything is downloaded (DESIGN.md step 3): the file count and the sizes
 * the platform declares refuse a request at once (with the option problems, so that everything
 * known is said). The model and estimate follow the files' declared kinds; planGeneration decides
 * from the bytes.
 */
export async function previewPlan(
  request: GenerationRequest,
  attachments: readonly IncomingAttachment[],
  deps: { schemas: ModelSchemas; referenceOptions?: PrepareOptions },
): Promise<Result<PlanPreview>> {
  const media = attachments.map((attachment, i) => ({ kind: declaredKind(attachment), label: `@File${i + 1}` }));
  const selection = selectModel(request.options, media);
  const modelSchema = await deps.schemas.get(selection.model);
  const checked = checkRequest({ model: selection.model, schema: modelSchema.schema, prompt: request.prompt, options: request.options, media });
  const optionProblems = [...(checked.ok ? [] : checked.problems.filter(isOptionProblem)), ...tierIgnored(request, selection.model)];
  const limits = withVersionLimits(request, deps.referenceOptions).limits!;
  const converting = (await deps.referenceOptions?.converter?.unavailable()) === undefined && deps.referenceOptions?.converter !== undefined;
  const declared = checkDeclaredAttachments(attachments, limits, largestReadableBytes(limits, converting));
  if (declared.length > 0) return fail(...declared, ...optionProblems);
  const autoSec = longestDuration(selection.model, modelSchema.schema);
  return ok({ model: selection.model, optionProblems, ...(checked.ok ? { estimate: estimateCostOf(checked.value, modelSchema.pricing, autoSec) } : {}) });
}

function isOptionProblem(problem: Problem): boolean {
  return OPTION_PROBLEMS.has(problem.code) && problem.params?.['option'] !== 'frames';
}

/** The body to enqueue, once every reference has a URL Oxen can fetch. */
export function bodyForPlan(plan: Pick<GenerationPlan, 'model' | 'schema' | 'request'>, hosted: readonly HostedMedia[]): Result<Translation> {
  return translateRequest({ model: plan.model, schema: plan.schema, prompt: plan.request.prompt, options: plan.request.options, media: hosted });
}
