/**
 * How Seedance jobs fail at Oxen, as the fake reproduces them: the text lands in the generation's
 * `error_message` and the SSE event's `error`, as Oxen passes the model's reason through.
 *   - moderation: Seedance's codes `OutputVideoSensitiveContentDetected` and
 *     `InputTextSensitiveContentDetected` with its own sentence;
 *   - a real face outside the face fields: `InputImageSensitiveContentDetected.PrivacyInformation`
 *     ("may contain real person"). With `facesInReferences` set, the files it picks (by URL; `true`:
 *     every image and video) show a real face, and a job fails so unless each came in a face field
 *     (or with its `*_has_face` flag in image-to-video), as Seedance does (oxen-api.md section 6);
 *   - a reference Oxen could not fetch: "403 Client Error: Forbidden for url: <url>" (section 7);
 *   - a refused parameter: "Getting model response error: 422 - Value error, ..." (section 4; the
 *     fake's schema check produces it too, validate-body.ts);
 *   - "Insufficient credits" (section 3).
 */
export type SeedanceFailure = 'output_moderated' | 'input_moderated' | 'real_face' | 'reference_forbidden' | 'reference_not_found' | 'parameter_refused' | 'insufficient_credits';

const FACE_REFUSAL = 'InputImageSensitiveContentDetected.PrivacyInformation: The request failed because the input image may contain real person.';

/** The error_message for `failure`, for a job with these parameters. */
export function seedanceFailureText(failure: SeedanceFailure, params: Record<string, unknown>): string {
  switch (failure) {
    case 'output_moderated':
      return 'OutputVideoSensitiveContentDetected: The request failed because the output video may contain sensitive information.';
    case 'input_moderated':
      return 'InputTextSensitiveContentDetected: The request failed because the input text may contain sensitive information.';
    case 'real_face':
      return FACE_REFUSAL;
    case 'reference_forbidden':
      return `Getting model response error: 400 - 403 Client Error: Forbidden for url: ${firstMediaUrl(params) ?? 'https://example.invalid/reference'}`;
    case 'reference_not_found':
      return `Getting model response error: 400 - 404 Client Error: Not Found for url: ${firstMediaUrl(params) ?? 'https://example.invalid/reference'}`;
    case 'parameter_refused':
      return 'Getting model response error: 422 - Value error, resolution "720p" is not supported for this input';
    case 'insufficient_credits':
      return 'Insufficient credits';
  }
}

/** The refusal when a file that `showsFace` came outside the face fields (or without its has_face flag). */
export function unmarkedFaceRefusal(params: Record<string, unknown>, showsFace: (url: string) => boolean): string | undefined {
  const face = (value: unknown) => typeof value === 'string' && showsFace(value);
  const unmarked =
    [...listOf(params['input_images']), ...listOf(params['input_videos'])].some(face) ||
    (face(params['input_image']) && params['input_image_has_face'] !== true) ||
    (face(params['tail_image_url']) && params['tail_image_url_has_face'] !== true);
  return unmarked ? FACE_REFUSAL : undefined;
}

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function firstMediaUrl(params: Record<string, unknown>): string | undefined {
  for (const field of ['input_face_images', 'input_images', 'input_face_videos', 'input_videos', 'input_audios']) {
    const [first] = listOf(params[field]);
    if (typeof first === 'string') return first;
  }
  return typeof params['input_image'] === 'string' ? params['input_image'] : undefined;
}
