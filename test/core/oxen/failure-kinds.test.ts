/**
 * Seedance's known failures, as the fake Oxen words them (test/fakes/oxen/seedance-failures.ts):
 * each gets its own stable code, and a sentence that says what to do without repeating what could
 * carry something private (a reference's URL holds its access token).
 */
import { describe, expect, it } from 'vitest';
import { describeFailure, DISCORD_FAILURE_HINTS } from '../../../src/core/messages.js';
import { classifyGenerationFailure } from '../../../src/core/oxen/failure-kinds.js';
import { seedanceFailureText, type SeedanceFailure } from '../../fakes/oxen/index.js';

const SECRET_URL = 'https://bot.example.com/references/tok_9f8e7d6c5b4a/selfie.png';
const params = { input_images: [SECRET_URL] };

describe('Seedance failures', () => {
  it.each([
    ['output_moderated', 'oxen.output_moderated', /safety filter blocked the finished video\. Reword the prompt/],
    ['input_moderated', 'oxen.input_moderated', /safety filter refused the prompt or one of the files/],
    ['real_face', 'oxen.real_face', /shows a real person.*`--face @Image1`.*Real faces/],
    ['reference_forbidden', 'oxen.reference_unreachable', /could not download one of the files.*Send the request again with the files attached/],
    ['reference_not_found', 'oxen.reference_unreachable', /could not download one of the files/],
    ['parameter_refused', 'oxen.parameter_refused', /refused one of the settings \(`resolution "720p" is not supported for this input`\)\. Try other options/],
    ['insufficient_credits', 'oxen.insufficient_credits', /run out of credits\. Tell the operator/],
  ] as [SeedanceFailure, string, RegExp][])('%s -> %s, with what to do', (failure, code, sentence) => {
    const reason = seedanceFailureText(failure, params);
    expect(classifyGenerationFailure(reason)).toBe(code);
    const text = describeFailure({ code, detail: reason });
    expect(text).toMatch(sentence);
    expect(text).not.toContain('tok_9f8e7d6c5b4a');
    expect(text).not.toContain('SensitiveContentDetected');
  });

  it('Discord says how to mark faces there: the option and the form', () => {
    expect(describeFailure({ code: 'oxen.real_face' }, DISCORD_FAILURE_HINTS)).toMatch(/`faces` option of `\/video`.*Real faces field of \*\*Make video\*\*/);
  });

  it('an unknown reason stays generic, its links taken out', () => {
    const reason = `worker crashed reading ${SECRET_URL}`;
    expect(classifyGenerationFailure(reason)).toBe('oxen.generation_failed');
    const text = describeFailure({ code: 'oxen.generation_failed', detail: reason });
    expect(text).toContain('worker crashed reading [link]');
    expect(text).not.toContain('tok_9f8e7d6c5b4a');
    expect(classifyGenerationFailure(undefined)).toBe('oxen.generation_failed');
  });
});
