/**
 * Why a generation failed at Oxen, as a stable code, read from its `error_message` (the SSE event's
 * `error`). Oxen passes Seedance's reasons through as text; what is matched here:
 *   - Seedance's moderation codes: `OutputVideoSensitiveContentDetected` (the result was blocked),
 *     `Input{Text,Image,Video,Audio}SensitiveContentDetected` (an input was), and
 *     `InputImageSensitiveContentDetected.PrivacyInformation` ("may contain real person": a real
 *     face outside the face fields);
 *   - a reference Oxen could not fetch: "... 403 Client Error: Forbidden for url: ..." (oxen-api.md
 *     section 7), or a 404 the same way;
 *   - a parameter the model refused: "Getting model response error: 422 - Value error, ..." (section 4);
 *   - "Insufficient credits" (section 3).
 * Anything else stays `oxen.generation_failed`.
 */
import { mentionsInsufficientCredits } from './error-mapping.js';

export const GENERATION_FAILURE_CODES = [
  'oxen.real_face',
  'oxen.output_moderated',
  'oxen.input_moderated',
  'oxen.reference_unreachable',
  'oxen.insufficient_credits',
  'oxen.parameter_refused',
  'oxen.generation_failed',
] as const;
export type GenerationFailureCode = (typeof GENERATION_FAILURE_CODES)[number];

const REAL_FACE = /PrivacyInformation|real (person|people|human)|human face/i;
const OUTPUT_MODERATED = /Output(Video|Audio|Image)?SensitiveContent|output (video |audio )?(may )?contains? sensitive|output .*moderat/i;
const INPUT_MODERATED = /Input(Text|Image|Video|Audio)?SensitiveContent|input (text |image |video |audio )?(may )?contains? sensitive|(prompt|input) .*moderat|sensitive content/i;
const UNREACHABLE = /\b40[34] Client Error\b|(Forbidden|Not Found) for url|(failed|unable|could not|cannot) (to )?(download|fetch)/i;
const PARAMETER = /\b422\b|Value error|InvalidParameter|invalid param/i;

export function classifyGenerationFailure(reason: string | undefined): GenerationFailureCode {
  if (!reason) return 'oxen.generation_failed';
  if (REAL_FACE.test(reason)) return 'oxen.real_face';
  if (OUTPUT_MODERATED.test(reason)) return 'oxen.output_moderated';
  if (INPUT_MODERATED.test(reason)) return 'oxen.input_moderated';
  if (UNREACHABLE.test(reason)) return 'oxen.reference_unreachable';
  if (mentionsInsufficientCredits(reason)) return 'oxen.insufficient_credits';
  if (PARAMETER.test(reason)) return 'oxen.parameter_refused';
  return 'oxen.generation_failed';
}

/**
 * What the model said about a refused parameter, without the parts that may carry something
 * private (URLs: a reference's address holds its access token) and without the wrapper text.
 */
export function refusedParameterReason(reason: string | undefined): string | undefined {
  if (!reason) return undefined;
  const tail = /Value error,?\s*(.*)$/is.exec(reason)?.[1] ?? reason.replace(/^Getting model response error:\s*/i, '');
  const clean = tail.replace(/\b(https?|data):\S+/gi, '[link]').replace(/\s+/g, ' ').trim();
  if (clean === '') return undefined;
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}
