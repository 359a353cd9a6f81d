/**
 * Turns text (`a fox in snow --fast --res 480p --ar 9:16`) or typed fields (Discord options,
 * Slack modal inputs) into GenerationOptions, reporting every problem at once.
 */
import { fail, MAX_PROBLEMS_LISTED, ok, type Problem, type Result } from '../result.js';
import { DEFAULT_OPTIONS, FACES_MAX, type GenerationOptions, type GenerationRequest } from '../request.js';
import { ALL_FLAGS, SWITCH_FLAGS, VALUE_OPTIONS, type OptionName, type ValueOption } from './vocabulary.js';
import { closest } from './suggest.js';

/** Oxen documents no prompt limit; this keeps a pasted essay from reaching a paid request. */
export const PROMPT_MAX_LENGTH = 4000;

// `—` and `–`: phones and macOS turn a typed `--` into a dash.
// A dot only between digits, for `--v2.5`.
const FLAG = /^(?:--|\u2014|\u2013)([A-Za-z][\w-]*(?:\.\d+)?)(?:=(.*))?$/;

export interface ParsedOptions {
  options: GenerationOptions;
  /** The options the person set explicitly. */
  given: ReadonlySet<OptionName>;
}

export interface ParsedText extends ParsedOptions {
  prompt: string;
}

class OptionCollector {
  readonly options: GenerationOptions;
  readonly given = new Set<OptionName>();
  private readonly kept: Problem[] = [];
  /** Problems past the ones kept are only counted: 10,000 bad flags do not make 10,000 objects. */
  private omitted = 0;

  constructor(defaults: GenerationOptions) {
    this.options = { ...defaults };
  }

  /** Records a problem; `make` is not even called once enough are kept. */
  problem(make: () => Problem): void {
    if (this.kept.length < MAX_PROBLEMS_LISTED) this.kept.push(make());
    else this.omitted++;
  }

  get problems(): Problem[] {
    return this.omitted > 0 ? [...this.kept, { code: 'request.more_problems', params: { count: this.omitted } }] : [...this.kept];
  }

  set<N extends OptionName>(name: N, value: GenerationOptions[N], spelledAs: string): void {
    const previous = this.options[name];
    if (name === 'faces') {
      // `--face @Image1 --face @Image2` adds up, up to the most a request may name.
      const faces = [...new Set([...(this.given.has('faces') ? (previous as readonly string[]) : []), ...(value as readonly string[])])];
      if (faces.length > FACES_MAX) {
        this.problem(() => ({ code: 'option.invalid_value', params: { option: name, flag: spelledAs, value: faces.join(','), allowed: [`at most ${FACES_MAX} files`] } }));
        return;
      }
      this.given.add(name);
      this.options.faces = faces;
      return;
    }
    if (this.given.has(name) && previous !== value) {
      if (name === 'frames') {
        // --first-frame with --last-frame means both frames.
        this.options.frames = 'first-last';
        return;
      }
      this.problem(() => ({ code: 'option.conflict', params: { option: name, values: [String(previous), String(value)], flag: spelledAs } }));
      return;
    }
    this.given.add(name);
    this.options[name] = value;
  }

  read(option: ValueOption, raw: string, spelledAs: string): void {
    const reading = option.read(raw);
    if (reading) this.set(option.name, reading.value, spelledAs);
    else this.problem(() => ({ code: 'option.invalid_value', params: { option: option.name, flag: spelledAs, value: raw, allowed: option.allowed } }));
  }
}

/** Parses a prompt with flags anywhere in it; the text that is not a flag is the prompt. */
export function parseOptionsText(text: string, defaults: GenerationOptions = DEFAULT_OPTIONS): Result<ParsedText> {
  const collector = new OptionCollector(defaults);
  const tokens = [...text.matchAll(/\S+/g)].map((m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));
  const consumed = new Set<number>();

  for (let i = 0; i < tokens.length; i++) {
    const match = FLAG.exec(tokens[i]!.text);
    if (!match) continue;
    consumed.add(i);
    const flag = match[1]!.toLowerCase();
    const inlineValue = match[2];
    const spelledAs = `--${flag}`;
    const valueOption = VALUE_OPTIONS.find((o) => o.flags.includes(flag));
    const switchFlag = SWITCH_FLAGS.find((s) => s.flag === flag);
    const next = tokens[i + 1];
    const nextIsValue = next !== undefined && !FLAG.test(next.text);

    if (inlineValue !== undefined) {
      if (valueOption) collector.read(valueOption, inlineValue, spelledAs);
      else collector.problem(() => unknownFlag(flag, switchFlag ? 'takes no value' : undefined));
    } else if (valueOption && switchFlag) {
      // `--audio` alone switches it on; `--audio off` reads a value.
      if (nextIsValue && valueOption.read(next.text)) {
        collector.read(valueOption, next.text, spelledAs);
        consumed.add(++i);
      } else collector.set(switchFlag.option, switchFlag.value, spelledAs);
    } else if (switchFlag) {
      collector.set(switchFlag.option, switchFlag.value, spelledAs);
    } else if (valueOption) {
      if (nextIsValue) {
        collector.read(valueOption, next.text, spelledAs);
        consumed.add(++i);
      } else {
        collector.problem(() => ({ code: 'option.missing_value', params: { flag: spelledAs, allowed: valueOption.allowed } }));
      }
    } else {
      collector.problem(() => unknownFlag(flag));
    }
  }

  const prompt = tokens
    .filter((_, i) => !consumed.has(i))
    .map((t) => t.text)
    .join(' ')
    .trim();
  for (const problem of checkPrompt(prompt)) collector.problem(() => problem);
  const problems = collector.problems;
  if (problems.length > 0) return fail(...problems);
  return ok({ prompt, options: collector.options, given: collector.given });
}

/** Typed fields (Discord options, modal inputs), keyed by option name; empty values are skipped. */
export function parseOptionFields(
  fields: Partial<Record<OptionName, string | number | boolean | null | undefined>>,
  defaults: GenerationOptions = DEFAULT_OPTIONS,
): Result<ParsedOptions> {
  const collector = new OptionCollector(defaults);
  for (const option of VALUE_OPTIONS) {
    const raw = fields[option.name];
    if (raw === undefined || raw === null || raw === '') continue;
    const text = typeof raw === 'boolean' ? (raw ? 'on' : 'off') : String(raw);
    collector.read(option, text, option.name);
  }
  if (collector.problems.length > 0) return fail(...collector.problems);
  return ok({ options: collector.options, given: collector.given });
}

/** A whole request from typed fields and a prompt typed separately. */
export function parseRequestFields(
  prompt: string,
  fields: Parameters<typeof parseOptionFields>[0],
  defaults: GenerationOptions = DEFAULT_OPTIONS,
): Result<GenerationRequest> {
  const parsed = parseOptionFields(fields, defaults);
  const problems = [...(parsed.ok ? [] : parsed.problems), ...checkPrompt(prompt.trim())];
  if (!parsed.ok || problems.length > 0) return fail(...problems);
  return ok({ prompt: prompt.trim(), options: parsed.value.options, given: [...parsed.value.given] });
}

export function checkPrompt(prompt: string): Problem[] {
  if (prompt.length === 0) return [{ code: 'prompt.empty' }];
  if (prompt.length > PROMPT_MAX_LENGTH) return [{ code: 'prompt.too_long', params: { max: PROMPT_MAX_LENGTH, length: prompt.length } }];
  return [];
}

function unknownFlag(flag: string, reason?: string): Problem {
  const suggestion = closest(flag, ALL_FLAGS);
  return {
    code: 'option.unknown_flag',
    params: { flag: `--${flag}`, ...(suggestion ? { suggestion: `--${suggestion}` } : {}), ...(reason ? { reason } : {}) },
  };
}
