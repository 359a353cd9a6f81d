/**
 * FFmpeg's own messages (encoder banners, container warnings, a damaged file's errors) go to
 * stderr beside the bot's JSON lines unless routed. Routed: warnings and errors become `ffmpeg.log`
 * lines of our logger, the chatter below them is dropped, and at most LINES_PER_MINUTE are kept a
 * minute (a damaged file can log an error for every frame); the next kept line counts the dropped.
 */
import type { Logger } from '../log.js';
import type { NodeAv } from './binding.js';

const LINES_PER_MINUTE = 20;

/** Sends FFmpeg's warnings and errors (process-wide, every thread) to `log`. */
export function routeFfmpegLog(av: NodeAv, log: Logger, now: () => number = Date.now): void {
  let windowStart = 0;
  let kept = 0;
  let dropped = 0;
  av.Log.setCallback(
    (level, message) => {
      const text = message.trim();
      if (!text) return;
      const at = now();
      if (at - windowStart >= 60_000) {
        windowStart = at;
        kept = 0;
      }
      if (kept >= LINES_PER_MINUTE) {
        dropped++;
        return;
      }
      kept++;
      const fields = { level: level <= av.AV_LOG_ERROR ? 'error' : 'warning', message: text.slice(0, 500), ...(dropped ? { dropped } : {}) };
      dropped = 0;
      log.warn('ffmpeg.log', fields);
    },
    { maxLevel: av.AV_LOG_WARNING },
  );
}
