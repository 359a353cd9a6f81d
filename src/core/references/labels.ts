/** Canonical prompt labels: @Image1, @Video1, @Audio1, numbered from 1 in upload order within each kind. */
import type { LoadedMedia } from './load.js';
import type { Reference, ReferenceKind } from './types.js';

const LABEL_WORD: Readonly<Record<ReferenceKind, string>> = { image: 'Image', video: 'Video', audio: 'Audio' };

export function referenceLabel(kind: ReferenceKind, index: number): string {
  return `@${LABEL_WORD[kind]}${index}`;
}

/** `media` in upload order; the references come back in the same order. */
export function assignLabels(media: readonly LoadedMedia[]): Reference[] {
  const counts: Record<ReferenceKind, number> = { image: 0, video: 0, audio: 0 };
  return media.map((m) => {
    const index = ++counts[m.kind];
    return {
      name: m.name,
      kind: m.kind,
      mime: m.mime,
      extension: m.extension,
      file: m.file,
      size: m.size,
      ...(m.durationSec !== undefined ? { durationSec: m.durationSec } : {}),
      index,
      label: referenceLabel(m.kind, index),
      position: m.position,
      ...(m.publicUrl ? { publicUrl: m.publicUrl } : {}),
      ...(m.note ? { note: m.note } : {}),
    };
  });
}
