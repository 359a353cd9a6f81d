/**
 * Hosts references in a private repository of the key owner's namespace on Oxen and hands Oxen a
 * presigned URL, so nothing needs to be public. Uses the Workbench's own (undocumented) upload and
 * presign endpoints; see oxen-api.md section 7.
 */
import type { OxenClient } from '../oxen/client.js';
import { blobOf } from './reference-bytes.js';
import type { HostedReference, Reference, ReferenceHost } from './types.js';

export const DEFAULT_REFERENCE_REPO = 'seedance-bot-references';
/** Presigned URLs are observed to last about an hour; the TTL is not documented. */
export const DEFAULT_PRESIGN_LIFETIME_MS = 60 * 60 * 1000;

export type OxenUploadClient = Pick<OxenClient, 'whoAmI' | 'ensureRepo' | 'uploadWorkbenchFile' | 'presignedUrl'>;

export interface OxenReferenceHostOptions {
  client: OxenUploadClient;
  /** Config.oxen.referenceRepo. */
  repo?: string;
  /** How long a presigned URL is trusted to work, counted from before it was asked for. */
  presignLifetimeMs?: number;
  now?: () => number;
}

export class OxenReferenceHost implements ReferenceHost {
  readonly kind = 'oxen' as const;
  private readonly client: OxenUploadClient;
  private readonly repo: string;
  private readonly presignLifetimeMs: number;
  private readonly now: () => number;
  private namespace: Promise<string> | undefined;

  constructor(options: OxenReferenceHostOptions) {
    this.client = options.client;
    this.repo = options.repo ?? DEFAULT_REFERENCE_REPO;
    this.presignLifetimeMs = options.presignLifetimeMs ?? DEFAULT_PRESIGN_LIFETIME_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * Uploads to `jobs/<jobId>/<Label>.<ext>` and presigns it. When `minLifetimeMs` is longer than
   * a presigned URL lives, the URL is still returned with its true `expiresAt`: the caller decides.
   */
  async host(reference: Reference, options: { jobId: string; minLifetimeMs: number }): Promise<HostedReference> {
    const namespace = await this.ready();
    const directory = `jobs/${safeSegment(options.jobId)}`;
    const fileName = `${safeSegment(reference.label.replace(/^@/, '')) || `reference${reference.index}`}.${safeSegment(reference.extension)}`;
    const assetPath = await this.client.uploadWorkbenchFile(namespace, this.repo, directory, fileName, await blobOf(reference, reference.mime));
    const issuedAt = this.now();
    const url = await this.client.presignedUrl(namespace, this.repo, assetPath);
    return { url, expiresAt: new Date(issuedAt + this.presignLifetimeMs) };
  }

  /** The namespace, once the repository is known to exist. Cached on success only. */
  private ready(): Promise<string> {
    if (!this.namespace) {
      const attempt = (async () => {
        const { username } = await this.client.whoAmI();
        await this.client.ensureRepo(username, this.repo);
        return username;
      })();
      this.namespace = attempt;
      attempt.catch(() => {
        if (this.namespace === attempt) this.namespace = undefined;
      });
    }
    return this.namespace;
  }
}

/** One path segment of letters, digits, `_` and `-` (no dots, so no `..` and no hidden files). */
function safeSegment(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 100);
}
