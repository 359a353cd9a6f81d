/** Attachments as the core sees them, whatever platform they came from. */

export interface IncomingAttachment {
  /** File name as the person uploaded it (used in messages and `@name` prompt references). */
  name: string;
  /** Size the platform reports, if any; the downloaded bytes are authoritative. */
  size?: number;
  /** The platform's content type: a hint only, the bytes decide. */
  contentType?: string;
  /** Downloads the bytes, carrying whatever auth the platform needs. Called at most once. */
  download(signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Optional streaming alternative to `download`, which every adapter should give. When present it
   * is used instead (still once): the core writes the pieces to a temporary file as they come, so
   * no file is held whole in memory, and one larger than any reference may be is abandoned after
   * the byte cap.
   */
  stream?(signal?: AbortSignal): AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>;
  /** A URL anyone may fetch without auth until `expiresAt` (Discord's signed CDN URLs). */
  publicUrl?: { url: string; expiresAt?: Date };
}

export const REFERENCE_KINDS = ['image', 'video', 'audio'] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];

/** A downloaded, sniffed, probed and labelled attachment. */
export interface Reference {
  name: string;
  kind: ReferenceKind;
  /** MIME type from the bytes, e.g. image/png. */
  mime: string;
  /** Extension from the bytes, e.g. png. */
  extension: string;
  /**
   * Where the bytes are: in memory, or in a file (a download or a conversion's output in the
   * request's temporary directory, or a file of the reference store). One of the two; read them
   * with reference-bytes.ts.
   */
  bytes?: Uint8Array;
  file?: string;
  size: number;
  /** Seconds, for video and audio. */
  durationSec?: number;
  /** 1-based position within its kind, in upload order. */
  index: number;
  /** Canonical prompt label: @Image1, @Video2, @Audio1. */
  label: string;
  /** 1-based position among all attachments as uploaded (what `@2` in a prompt points at). */
  position?: number;
  publicUrl?: { url: string; expiresAt?: Date };
  /** What conversion did to the file, for people: `converted: 2160p HEVC → 720p H.264, 48 MB → 6 MB`. */
  note?: string;
  /** Marked by the person as showing a real face (`--face`): sent in the model's face field. */
  face?: boolean;
  /** Set when read back from the ReferenceStore: the blob that holds these bytes there. */
  stored?: { blob: string };
}

/** Where a reference was put so that Oxen can fetch it. */
export interface HostedReference {
  url: string;
  expiresAt?: Date;
}

/**
 * Makes a reference fetchable by Oxen. Implementations: self (the bot's HTTP server),
 * oxen (a private repository in the operator's namespace, presigned), passthrough (the
 * platform's own public URL). Private platform URLs and tokens never go through here.
 */
export interface ReferenceHost {
  readonly kind: 'self' | 'oxen' | 'passthrough';
  /** `minLifetimeMs`: how long the URL must stay fetchable (until the job has surely started). */
  host(reference: Reference, options: { jobId: string; minLifetimeMs: number }): Promise<HostedReference>;
  /** Drops what was hosted for a job, once Oxen no longer needs it. */
  release?(jobId: string): Promise<void>;
}
