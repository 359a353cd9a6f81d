/** A validator's answer: a value, or every problem found (never a throw). */
export type Result<T, E = Problem> = { ok: true; value: T } | { ok: false; problems: E[] };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = <E = Problem>(...problems: E[]): { ok: false; problems: E[] } => ({ ok: false, problems });

/**
 * A user-facing problem with a stable code. `params` carry what a sentence needs
 * (file name, allowed values, a suggestion); adapters turn codes into text.
 */
export interface Problem {
  code: ProblemCode;
  /** The file the problem is about, when there is one. */
  file?: string;
  params?: Record<string, string | number | readonly (string | number)[]>;
}

/** Refusals list at most this many problems; the rest are counted ("and N more"). */
export const MAX_PROBLEMS_LISTED = 10;

export type ProblemCode =
  // text options
  | 'option.unknown_flag'
  | 'option.missing_value'
  | 'option.invalid_value'
  | 'option.conflict'
  | 'prompt.empty'
  | 'prompt.too_long'
  | 'prompt.unknown_reference'
  | 'prompt.ambiguous_reference'
  | 'face.unknown_reference'
  | 'face.not_visual'
  // model selection and translation
  | 'model.unsupported_value'
  | 'model.no_media_for_mode'
  | 'model.too_many_references'
  | 'model.audio_needs_visual'
  | 'model.first_frame_needs_image'
  | 'model.last_frame_needs_image'
  | 'model.unsupported_option'
  | 'model.schema_mismatch'
  // references
  | 'reference.download_failed'
  | 'reference.unsupported_type'
  | 'reference.unreadable_media'
  | 'reference.image_too_large'
  | 'reference.too_many_images'
  | 'reference.too_many_videos'
  | 'reference.videos_too_large'
  | 'reference.videos_too_short'
  | 'reference.videos_too_long'
  | 'reference.too_many_audios'
  | 'reference.audio_too_large'
  | 'reference.audios_too_long'
  | 'reference.audio_needs_visual'
  | 'reference.too_many_files'
  | 'reference.file_too_large'
  | 'reference.conversion_failed'
  // limits and jobs
  | 'quota.user_in_flight'
  | 'quota.budget_exhausted'
  | 'quota.person_exhausted'
  // server, workspace and channel settings (src/core/settings)
  | 'settings.above_maximum'
  | 'settings.tier_not_allowed'
  | 'settings.channel_off'
  | 'settings.not_allowed_user'
  | 'settings.not_admin'
  | 'settings.unknown_setting'
  | 'settings.invalid_value'
  | 'settings.above_ceiling'
  | 'settings.server_only'
  | 'job.not_found'
  | 'job.not_owner'
  | 'job.already_ended'
  | 'job.retry_needs_files'
  | 'job.bad_id'
  | 'job.no_video'
  | 'platform.cannot_post'
  // a count of problems not listed (the list is capped; see MAX_PROBLEMS_LISTED)
  | 'request.more_problems';
