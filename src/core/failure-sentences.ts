/**
 * Why a job ended badly, in a sentence that says what to do next. The raw reason Oxen gave is
 * repeated only where it helps and cannot carry anything private (links are taken out: a
 * reference's address holds its access token); each platform says how its people mark faces.
 */
import { code } from './messages.js';
import { refusedParameterReason } from './oxen/failure-kinds.js';

/** How people on one platform mark the files that show a real person. */
export interface FailureHints {
  face: string;
}

/** Slack (and any text command): the flag, or the field of the Make video form. */
export const TEXT_FAILURE_HINTS: FailureHints = {
  face: 'add `--face @Image1` to your message (`--face @Image1,@Image2` for several, or the file name: `--face @selfie.jpg`), or fill in *Real faces* in the Make video form',
};

/** Discord: the `/video` option, the form field, or the flag in a mention. */
export const DISCORD_FAILURE_HINTS: FailureHints = {
  face: 'use the `faces` option of `/video` (e.g. `@Image1` or `@selfie.jpg`), the Real faces field of **Make video**, or `--face @Image1` when you mention me',
};

const withoutLinks = (text: string) => text.replace(/\b(https?|data):\S+/gi, '[link]');

const minutes = (n: number) => {
  const rounded = Number(n.toFixed(1));
  return `${rounded} minute${rounded === 1 ? '' : 's'}`;
};

/** Why a job ended badly, in a sentence that says what to do next. */
export function describeFailure(failure: { code: string; detail?: string; limitMinutes?: number }, hints: FailureHints = TEXT_FAILURE_HINTS): string {
  const said = failure.detail ? withoutLinks(failure.detail) : undefined;
  const detail = said ? ` Oxen said: ${code(said)}.` : '';
  switch (failure.code) {
    case 'job.timed_out':
      return `The video took longer than the bot waits (${minutes(failure.limitMinutes ?? 30)}), so it was cancelled. Try again, perhaps shorter or at a lower resolution.`;
    case 'job.delivery_failed':
      return 'The video was made, but the bot could not post it here after several tries (the channel or thread may be gone, or the bot may have lost permission to post). Check the bot can post in this channel, and ask the operator for the video with this job id.';
    case 'job.references_lost':
      return 'Your files expired while the job waited for a free slot (they are kept for 24 hours), so it could not start; nothing was spent. Send the request again with the files.';
    case 'oxen.generation_failed':
      return /credit/i.test(failure.detail ?? '')
        ? 'The Oxen account has run out of credits. Tell the operator of this bot.'
        : `The model could not make this video.${detail} Try rewording the prompt or changing the options.`;
    case 'oxen.real_face':
      return `Seedance refused a file because it shows a real person: real faces are accepted only when the file is marked as a face. Send it again with every file that shows a person marked: ${hints.face}.`;
    case 'oxen.output_moderated':
      return "Seedance's safety filter blocked the finished video. Reword the prompt (no nudity, gore, real public figures or brands) and try again.";
    case 'oxen.input_moderated':
      return "Seedance's safety filter refused the prompt or one of the files. Reword the prompt, or use other files, and try again.";
    case 'oxen.reference_unreachable':
      // Oxen's words hold the file's address, and with it the link's access token: not repeated.
      return 'Oxen could not download one of the files (it was refused or not found when fetching it; the link may have expired). Send the request again with the files attached.';
    case 'oxen.parameter_refused': {
      const reason = refusedParameterReason(failure.detail);
      return `The model refused one of the settings${reason ? ` (${code(reason)})` : ''}. Try other options, for example another resolution, length or aspect ratio.`;
    }
    case 'oxen.insufficient_credits':
      return 'The Oxen account has run out of credits. Tell the operator of this bot.';
    case 'oxen.unauthenticated':
    case 'oxen.update_required':
      return 'The bot is not allowed to use Oxen right now (its API key was refused). Tell the operator of this bot.';
    case 'oxen.rate_limited':
      return 'Oxen is busy and asked the bot to slow down. Try again in a few minutes.';
    case 'oxen.invalid_params':
      return `Oxen refused the request.${detail} Try other options.`;
    case 'oxen.unconfirmed':
      return "Oxen's answer to this request was lost, and the bot could not confirm whether Oxen started the video, so nothing will be posted for it. It stays counted against today's allowance in case Oxen made it. Ask the operator before trying again.";
    default:
      return `Something went wrong on Oxen's side.${detail} Try again in a few minutes; nothing is lost by retrying.`;
  }
}
