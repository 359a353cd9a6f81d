import { describe, expect, it } from 'vitest';
import { selectModel, type SelectionOptions } from '../../../src/core/models/select.js';
import type { ReferenceKind } from '../../../src/core/references/types.js';

const media = (...kinds: ReferenceKind[]) => kinds.map((kind) => ({ kind }));
const auto: SelectionOptions = { tier: 'auto', mode: 'auto', frames: 'off' };

describe('selectModel', () => {
  it.each([
    { name: 'nothing asked, nothing attached', options: auto, media: media(), id: 'bytedance-seedance-2-0-fast-text-to-video', why: ['default', 'no_references'] },
    { name: '720p keeps the default tier', options: { ...auto, resolution: '720p' as const }, media: media(), id: 'bytedance-seedance-2-0-fast-text-to-video', why: ['default', 'no_references'] },
    { name: '1080p needs Pro', options: { ...auto, resolution: '1080p' as const }, media: media(), id: 'bytedance-seedance-2-0-text-to-video', why: ['resolution', 'no_references'] },
    { name: '4k needs Pro', options: { ...auto, resolution: '4k' as const }, media: media('image'), id: 'bytedance-seedance-2-0-reference-to-video', why: ['resolution', 'references'] },
    { name: 'explicit Mini even at 1080p (refused later)', options: { ...auto, tier: 'mini' as const, resolution: '1080p' as const }, media: media(), id: 'bytedance-seedance-2-0-mini-text-to-video', why: ['requested', 'no_references'] },
    { name: 'one image, frames off', options: auto, media: media('image'), id: 'bytedance-seedance-2-0-fast-reference-to-video', why: ['default', 'references'] },
    { name: 'one image as first frame', options: { ...auto, frames: 'first' as const }, media: media('image'), id: 'bytedance-seedance-2-0-fast-image-to-video', why: ['default', 'frames'] },
    { name: 'two images as first and last', options: { ...auto, frames: 'first-last' as const }, media: media('image', 'image'), id: 'bytedance-seedance-2-0-fast-image-to-video', why: ['default', 'frames'] },
    { name: 'first frame without an image (refused later)', options: { ...auto, frames: 'first' as const }, media: media(), id: 'bytedance-seedance-2-0-fast-image-to-video', why: ['default', 'frames'] },
    { name: 'first frame with a video too', options: { ...auto, frames: 'first' as const }, media: media('image', 'video'), id: 'bytedance-seedance-2-0-fast-reference-to-video', why: ['default', 'references'] },
    { name: 'video and audio', options: auto, media: media('video', 'audio'), id: 'bytedance-seedance-2-0-fast-reference-to-video', why: ['default', 'references'] },
    { name: 'explicit Pro text with references (refused later)', options: { ...auto, tier: 'pro' as const, mode: 'text' as const }, media: media('image'), id: 'bytedance-seedance-2-0-text-to-video', why: ['requested', 'requested'] },
    { name: 'explicit image mode', options: { ...auto, mode: 'image' as const }, media: media('image'), id: 'bytedance-seedance-2-0-fast-image-to-video', why: ['default', 'requested'] },
  ])('$name', ({ options, media: attached, id, why }) => {
    const selection = selectModel(options, attached);
    expect([selection.model.id, selection.tierReason, selection.modeReason]).toEqual([id, ...why]);
  });
});
