/**
 * A second loopback server on its own port, so its origin differs from the fake hub's: it plays
 * the storage behind presigned result and reference URLs, serves bytes without auth, and records
 * whether an Authorization header ever reached it (it must not).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredAsset {
  bytes: Uint8Array;
  contentType: string;
  /** ms since epoch. */
  expiresAt: number;
}

export interface ResultRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  headers: IncomingHttpHeaders;
}

export interface ResultsServer {
  url: string;
  requests: ResultRequest[];
  /** Requests this origin has answered, counted even when not recorded. */
  servedCount(): number;
  /** True if any request to this origin carried an Authorization header. */
  sawAuthorization(): boolean;
  /** A URL serving this result video, signed now: it answers 403 once `resultTtlMs` has passed. */
  resultUrl(generationId: string): string;
  /** Stores bytes behind an unguessable token and returns its URL ("presigning"). */
  presign(asset: StoredAsset): string;
  /** Bytes of a presigned URL, while it is valid. */
  assetAt(url: string): StoredAsset | undefined;
  close(): Promise<void>;
}

export async function startResultsServer(options: { video: Uint8Array; now: () => number; record: boolean; resultTtlMs?: number }): Promise<ResultsServer> {
  const resultTtlMs = options.resultTtlMs ?? 60 * 60 * 1000;
  const requests: ResultRequest[] = [];
  const assets = new Map<string, StoredAsset>();
  let authorizationSeen = false;
  let served = 0;

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://results').pathname;
    const authorization = req.headers.authorization;
    served++;
    if (authorization !== undefined) authorizationSeen = true;
    if (options.record) requests.push({ method: req.method ?? 'GET', path, authorization, headers: req.headers });
    const sendBytes = (bytes: Uint8Array, contentType: string) => {
      res.writeHead(200, { 'content-type': contentType, 'content-length': String(bytes.byteLength) });
      res.end(bytes);
    };
    const result = /^\/results\/([^/]+)\.mp4$/.exec(path);
    if (req.method === 'GET' && result) {
      // Like S3: signed at X-Amz-Date (here ms since epoch), valid for X-Amz-Expires seconds.
      const query = new URL(req.url ?? '/', 'http://results').searchParams;
      const signedAt = Number(query.get('X-Amz-Date'));
      const lifetimeMs = Number(query.get('X-Amz-Expires')) * 1000;
      if (!Number.isFinite(signedAt) || !Number.isFinite(lifetimeMs) || options.now() >= signedAt + lifetimeMs) {
        res.writeHead(403, { 'content-type': 'application/xml' });
        return res.end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      }
      return sendBytes(options.video, 'video/mp4');
    }
    const presigned = /^\/presigned\/([A-Za-z0-9_-]+)\/[^/]*$/.exec(path);
    const asset = presigned ? assets.get(presigned[1] as string) : undefined;
    if (req.method === 'GET' && asset) {
      if (asset.expiresAt <= options.now()) {
        res.writeHead(403, { 'content-type': 'application/xml' });
        return res.end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      }
      return sendBytes(asset.bytes, asset.contentType);
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    servedCount: () => served,
    sawAuthorization: () => authorizationSeen,
    resultUrl: (generationId) =>
      `${url}/results/${generationId}.mp4?X-Amz-Date=${options.now()}&X-Amz-Expires=${resultTtlMs / 1000}&X-Amz-Signature=fake`,
    presign: (asset) => {
      const token = randomBytes(18).toString('base64url');
      assets.set(token, asset);
      return `${url}/presigned/${token}/file?X-Amz-Expires=3600`;
    },
    assetAt: (assetUrl) => {
      const match = /\/presigned\/([A-Za-z0-9_-]+)\//.exec(new URL(assetUrl).pathname);
      return match ? assets.get(match[1] as string) : undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
