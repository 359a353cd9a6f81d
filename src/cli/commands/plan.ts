/**
 * `seedance plan <prompt and flags> [--file PATH]... [--json]`: what the bot would check and decide
 * for this request (the core's previewPlan, then planGeneration), without hosting, enqueuing or
 * spending anything. Exit 0 when it would run; 1 with every problem when it would not.
 */
import type { CliConfig } from '../../core/config.js';
import type { CatalogEntry } from '../../core/models/catalog.js';
import type { CostEstimate } from '../../core/models/cost.js';
import { bodyForPlan, planGeneration, previewPlan, type GenerationPlan } from '../../core/plan.js';
import { createMediaConverter } from '../../core/media/converter.js';
import type { Problem } from '../../core/result.js';
import { describeProblem, EXIT, note, print, printJson, problemsJson, usd } from '../output.js';
import { attachmentsFromFiles, requestFromWords } from '../request.js';
import { modelSchemas, oxenClient } from '../wiring.js';

export interface PlanFlags {
  file: string[];
  json?: boolean;
}

/** Stands in for a reference's URL (Oxen gets a real one only when the job is launched); a URL, so the schema check holds. */
const standIn = (label: string) => `https://placeholder.invalid/${encodeURIComponent(label)}`;
/** How a stand-in is shown in the body printed. */
export const placeholderUrl = (label: string) => `<${label}: hosted when the job is launched>`;

function withPlaceholders(value: unknown, labels: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return labels.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => withPlaceholders(v, labels));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withPlaceholders(v, labels)]));
  return value;
}

export async function runPlan(words: readonly string[], flags: PlanFlags, loadConfig: () => CliConfig): Promise<number> {
  const request = requestFromWords(words);
  // The flags need nothing else: a bad one is named before the key or any file is looked at.
  if (!request.ok) return refused(flags, request.problems);
  const attachments = await attachmentsFromFiles(flags.file);
  const { schemas } = modelSchemas(oxenClient(loadConfig(), { quick: true }));
  // FFmpeg, as the bot has it: files the model does not take are converted (and said so), not refused.
  const converter = attachments.length > 0 ? createMediaConverter() : undefined;
  try {
    const deps = { schemas, ...(converter ? { referenceOptions: { converter } } : {}) };
    const preview = await previewPlan(request.value, attachments, deps);
    if (!preview.ok) return refused(flags, preview.problems);
    const planned = await planGeneration(request.value, attachments, deps);
    if (!planned.ok) return refused(flags, planned.problems, preview.value);
    try {
      return showPlan(planned.value, flags);
    } finally {
      await planned.value.release();
    }
  } finally {
    converter?.close();
  }
}

function showPlan(plan: GenerationPlan, flags: PlanFlags): number {
  const body = bodyForPlan(plan, plan.references.map((r) => ({ kind: r.kind, label: r.label, url: standIn(r.label), ...(r.face ? { face: true } : {}) })));
  if (!body.ok) return refused(flags, body.problems, { model: plan.model, estimate: plan.estimate });

  const shown = withPlaceholders(body.value.body, new Map(plan.references.map((r) => [standIn(r.label), placeholderUrl(r.label)])));
  const summary = planSummary(plan, shown as Record<string, unknown>);
  if (flags.json) printJson(summary);
  else printPlan(plan, summary);
  return EXIT.ok;
}

function planSummary(plan: GenerationPlan, body: Record<string, unknown>) {
  const conversions = plan.references.filter((r) => r.note).map((r) => ({ label: r.label, name: r.name, note: r.note! }));
  return {
    ok: true,
    model: modelJson(plan.model),
    selection: plan.selection,
    schemaSource: plan.schemaSource,
    prompt: plan.modelPrompt,
    settings: plan.settings,
    references: plan.references.map((r) => ({
      name: r.name,
      label: r.label,
      kind: r.kind,
      mime: r.mime,
      size: r.size,
      ...(r.durationSec !== undefined ? { durationSec: r.durationSec } : {}),
      ...(r.note ? { note: r.note } : {}),
      ...(r.face ? { face: true } : {}),
    })),
    mapping: plan.mapping,
    conversions,
    estimate: plan.estimate,
    body,
  };
}

const modelJson = (model: CatalogEntry) => ({ id: model.id, version: model.version, ...(model.tier ? { tier: model.tier } : {}), mode: model.mode, name: model.displayName });

function printPlan(plan: GenerationPlan, summary: ReturnType<typeof planSummary>): void {
  const why = { requested: 'as asked', default: 'the default', resolution: 'the only tier with that resolution', version: 'the only tier of this version' }[plan.selection.tierReason];
  const mode = { requested: 'as asked', no_references: 'no files', frames: 'first/last frame from images', references: 'files attached' }[plan.selection.modeReason];
  print(`Model: ${plan.model.displayName} (${plan.model.id})`);
  print(`  version ${plan.model.version}, tier ${plan.model.tier ?? 'single'}: ${why}; mode ${plan.model.mode}: ${mode}; request schema: ${plan.schemaSource === 'live' ? "Oxen's live schema" : 'the built-in schema (Oxen did not give one)'}`);
  const s = plan.settings;
  print(`Video: ${s.resolution ?? 'model default'}, ${s.duration === 'auto' ? 'length chosen by the model' : `${s.duration} s`}, aspect ${s.aspectRatio}, audio ${s.audio ? 'on' : 'off'}, ${s.count} generation(s)`);
  if (summary.references.length > 0) {
    print('References:');
    for (const r of summary.references) {
      const named = plan.mapping.find((m) => m.label === r.label)?.referenced ? ', named in the prompt' : '';
      const length = r.durationSec !== undefined ? `, ${Number(r.durationSec.toFixed(1))} s` : '';
      print(`  ${r.label}  ${r.name} (${r.mime}, ${kb(r.size)}${length}${named})`);
    }
  }
  if (summary.conversions.length > 0) {
    print('Conversions:');
    for (const c of summary.conversions) print(`  ${c.label}  ${c.name}: ${c.note}`);
  }
  print(`Estimate: ${describeEstimate(plan.estimate)}`);
  print(`Prompt sent: ${plan.modelPrompt}`);
  print('Body (reference URLs are placeholders):');
  print(JSON.stringify(summary.body, null, 2));
  note('Nothing was hosted, enqueued or spent.');
}

export function describeEstimate(estimate: CostEstimate): string {
  const money = estimate.usd !== undefined ? `${usd(estimate.usd)}` : 'price unknown (Oxen gave no pricing)';
  return `${money} for ${estimate.videoSeconds} video-second(s)`;
}

const kb = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`);

function refused(flags: PlanFlags, problems: readonly Problem[], known?: { model: CatalogEntry; estimate?: CostEstimate | undefined }): number {
  if (flags.json) {
    printJson({ ok: false, model: known ? modelJson(known.model) : null, body: null, references: [], estimate: known?.estimate ?? null, problems: problemsJson(problems) });
  } else {
    print(problems.length === 1 ? 'This request would be refused (nothing was spent):' : `This request would be refused, for ${problems.length} reasons (nothing was spent):`);
    for (const problem of problems) print(`  - ${describeProblem(problem)}`);
  }
  return EXIT.failed;
}
