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

/**
 * node-av 6 reads packets with Promise.withResolvers (Node 22+); on Node 20 its demuxer's packet
 * generator throws and pipelines end silently with nothing written. The standard shape, added once.
 */
export function ensurePromiseWithResolvers(): void {
  const promise = Promise as unknown as { withResolvers?: unknown };
  if (typeof promise.withResolvers === 'function') return;
  promise.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const created = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise: created, resolve, reject };
  };
}

async function tryLoad(importer: BindingImporter): Promise<MediaBinding> {
  try {
    ensurePromiseWithResolvers();
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
