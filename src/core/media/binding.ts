// The FFmpeg binding (node-av) is loaded once, lazily. Its native build ships in an optional
// per-platform package; where that package is missing the bot still runs with conversion off.
export type NodeAv = typeof import('node-av');

export type MediaBinding =
  | { readonly available: true; readonly av: NodeAv }
  | { readonly available: false; readonly reason: string };

export type BindingImporter = () => Promise<NodeAv>;

const defaultImporter: BindingImporter = () => import('node-av');

let loaded: Promise<MediaBinding> | undefined;

/** Loads node-av once per process; never throws. */
export function loadMediaBinding(importer: BindingImporter = defaultImporter): Promise<MediaBinding> {
  if (importer !== defaultImporter) return tryLoad(importer);
  loaded ??= tryLoad(importer);
  return loaded;
}

async function tryLoad(importer: BindingImporter): Promise<MediaBinding> {
  try {
    const av = await importer();
    if (!av.Codec.findEncoderByName(av.FF_ENCODER_LIBX264)) {
      return { available: false, reason: 'the FFmpeg build has no H.264 encoder (libx264)' };
    }
    return { available: true, av };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return { available: false, reason: `the FFmpeg binding (node-av) could not load: ${reason.slice(0, 200)}` };
  }
}
