/**
 * Run as its own process with --expose-gc, on a HEIC file made beforehand (see
 * test/core/media/heif-memory.test.ts): converts it to JPEG while the garbage collector runs every
 * millisecond, in a process whose memory nothing else has touched yet (so that a freed picture is
 * given back to the system at once), and prints what the JPEG shows.
 */
import { convertImage } from '../../src/core/media/convert-image.js';
import { quadrantsOf } from './heif-fixtures.js';
import { mediaAv } from './media-fixtures.js';

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with --expose-gc');
const input = process.argv[2]!;
const av = await mediaAv();
av.Log.setLevel(av.AV_LOG_QUIET);
const ticker = setInterval(collect, 1);
const jpeg = await convertImage(av, { input, maxBytes: 30_000_000, lossless: false });
clearInterval(ticker);
process.stdout.write(JSON.stringify(await quadrantsOf(jpeg.bytes)));
