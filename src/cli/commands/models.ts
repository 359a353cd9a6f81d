/**
 * `seedance models [--json]`: the catalog with what Oxen says of each model now: available or not,
 * resolutions and durations from its live request schema, prices per second.
 */
import type { CliConfig } from '../../core/config.js';
import { catalog, type CatalogEntry } from '../../core/models/catalog.js';
import { allowedDurations } from '../../core/models/encode.js';
import type { ModelSchema } from '../../core/models/schemas.js';
import { isOxenError } from '../../core/oxen/errors.js';
import { EXIT, print, printJson, table, usd } from '../output.js';
import { modelSchemas, oxenClient, type SchemaFallback } from '../wiring.js';

export interface ModelRow {
  id: string;
  name: string;
  version: string;
  tier: string;
  mode: string;
  /** yes: Oxen answered with its schema; no: Oxen does not know it; unknown: Oxen could not be asked. */
  available: 'yes' | 'no' | 'unknown';
  /** Where resolutions and durations come from: Oxen's live schema, or the built-in one. */
  schema: 'live' | 'fallback';
  resolutions: string[];
  durations: (string | number)[];
  /** USD per second of video; null when Oxen does not say. */
  price: { perSecond: number | null; withAudio: number | null; highRes: number | null; byResolution: Record<string, number> };
  problem?: string;
}

export async function listModels(config: CliConfig): Promise<ModelRow[]> {
  const { schemas, fallbacks } = modelSchemas(oxenClient(config, { quick: true }));
  const answers = await Promise.all(catalog.map((model) => schemas.get(model)));
  return catalog.map((model, i) => rowOf(model, answers[i]!, fallbacks.get(model.id)));
}

function rowOf(model: CatalogEntry, answer: ModelSchema, fallback: SchemaFallback | undefined): ModelRow {
  const props = answer.schema.properties;
  const notFound = isOxenError(fallback?.error) && fallback.error.code === 'not_found';
  const available = answer.source === 'live' || (fallback && fallback.reason !== 'unreachable') ? 'yes' : notFound ? 'no' : 'unknown';
  const pricing = answer.pricing;
  return {
    id: model.id,
    name: model.displayName,
    version: model.version,
    tier: model.tier ?? 'one tier',
    mode: model.mode,
    available,
    schema: answer.source,
    resolutions: (props['resolution']?.enum ?? []).map(String),
    durations: props['duration'] ? allowedDurations(props['duration']) : [],
    price: {
      perSecond: pricing?.cost_per_second ?? null,
      withAudio: pricing?.cost_per_second_with_audio ?? null,
      highRes: pricing?.cost_per_second_high_res ?? null,
      byResolution: pricing?.cost_per_second_by_resolution ?? {},
    },
    ...(fallback ? { problem: fallback.error instanceof Error ? `${fallback.reason}: ${fallback.error.message}` : fallback.reason } : {}),
  };
}

/** 4, 5, … 15 and auto -> `auto, 4-15`. */
export function durationRange(durations: readonly (string | number)[]): string {
  const seconds = durations.filter((d): d is number => typeof d === 'number').sort((a, b) => a - b);
  const contiguous = seconds.every((s, i) => i === 0 || s === seconds[i - 1]! + 1);
  const range = seconds.length === 0 ? [] : contiguous && seconds.length > 2 ? [`${seconds[0]}-${seconds[seconds.length - 1]} s`] : [`${seconds.join(', ')} s`];
  return [...(durations.includes('auto') ? ['auto'] : []), ...range].join(', ') || '-';
}

export async function runModels(flags: { json?: boolean }, loadConfig: () => CliConfig): Promise<number> {
  const rows = await listModels(loadConfig());
  if (flags.json) {
    printJson(rows);
  } else {
    const byResolution = (r: ModelRow) => Object.entries(r.price.byResolution).map(([res, rate]) => `${res} ${usd(rate)}`).join(', ');
    print(
      table(
        ['MODEL', 'AVAILABLE', 'RESOLUTIONS', 'DURATIONS', '$/S', '$/S AUDIO', '$/S HIGH-RES', 'BY RESOLUTION'],
        rows.map((r) => [r.id, r.available, r.resolutions.join(', ') || '-', durationRange(r.durations), usd(r.price.perSecond), usd(r.price.withAudio), usd(r.price.highRes), byResolution(r) || '-']),
      ),
    );
    const unsure = rows.filter((r) => r.schema === 'fallback');
    if (unsure.length > 0) print(`\n${unsure.length} model(s) shown from the built-in schema, not Oxen's: ${unsure.map((r) => `${r.id} (${r.problem ?? 'no schema'})`).join('; ')}`);
  }
  return rows.some((r) => r.available === 'unknown') ? EXIT.failed : EXIT.ok;
}
