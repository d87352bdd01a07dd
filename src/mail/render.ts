import { Liquid, type Template } from 'liquidjs';
import { htmlToText } from './html-text.ts';

/**
 * Email rendering with LiquidJS: `{{ record.first_name | default: "there" }}`.
 *
 * The rule that matters (SPEC §6): a placeholder with no value and no `default` fallback is reported in `missing`,
 * and the caller then HOLDS the message with a visible reason instead of sending "Hi ,". Empty strings and nulls
 * count as no value. `if`/`unless` tags and the `default` filter tolerate missing values (lenientIf).
 */

export interface TemplateSource {
  subject: string;
  bodyHtml: string;
  /** Plain-text body; when empty, the text part is derived from the HTML. */
  bodyText?: string | null;
}

export interface RenderContext {
  /** Core fields (first_name, last_name, name, company, job_title, email, …) and custom fields by name. */
  record: Record<string, unknown>;
  /** The sender: name, email, title, phone. */
  owner: Record<string, unknown>;
  /** The organisation: name. */
  org: Record<string, unknown>;
}

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
  /** Placeholders without a value and without a `default` fallback, e.g. `record.first_name`. Empty when sendable. */
  missing: string[];
  /** Template syntax errors (unknown tag, unclosed output…). A message with errors is not sendable either. */
  errors: string[];
}

/**
 * Safe by construction (templates are written by sellers, record values come from prospects):
 *  - an in-memory, empty template store: `include`, `render` and `layout` cannot reach the file system, and the
 *    three tags are replaced by ones that refuse to parse, with a clear message;
 *  - record, owner and org values are DATA passed to one render of the template source; nothing rendered is ever
 *    rendered again (the outbox stores either template source or final content, never a mix);
 *  - parse, render-time and memory limits, so a hostile loop cannot hold the event loop.
 */
const LIMITS = { parseLimit: 200_000, renderLimit: 500, memoryLimit: 1_000_000 } as const;
/**
 * All re-renders of one message (one per missing placeholder found) share this budget, in ms. The limits are wall
 * time, so they are generous: a normal template renders in a few milliseconds even on a busy machine, and a loop
 * that would hold the server is cut after half a second.
 */
const RENDER_BUDGET_MS = 1000;

const options = {
  strictVariables: true,
  lenientIf: true,
  strictFilters: true,
  ownPropertyOnly: true,
  templates: {},
  ...LIMITS,
} as const;

const BLOCKED_TAGS = ['include', 'render', 'layout'] as const;

function safeEngine(extra: { outputEscape?: 'escape' }): Liquid {
  const engine = new Liquid({ ...options, ...extra });
  for (const name of BLOCKED_TAGS) {
    engine.registerTag(name, {
      parse() {
        throw new Error(`The {% ${name} %} tag is not available in email templates`);
      },
      render() {
        return '';
      },
    });
  }
  return engine;
}

const htmlEngine = safeEngine({ outputEscape: 'escape' });
const plainEngine = safeEngine({});

const MAX_MISSING = 20;
const parseCache = new Map<string, Template[]>();

function parse(engine: Liquid, source: string): Template[] {
  const key = `${engine === htmlEngine ? 'h' : 'p'}:${source}`;
  let parsed = parseCache.get(key);
  if (!parsed) {
    parsed = engine.parse(source);
    if (parseCache.size > 500) parseCache.clear();
    parseCache.set(key, parsed);
  }
  return parsed;
}

/** Drops null, undefined and blank strings so that Liquid sees them as undefined. */
function present(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'string' && value.trim() === '') continue;
    out[key] = value;
  }
  return out;
}

function setPath(scope: Record<string, unknown>, path: string[]): void {
  let node: Record<string, unknown> = scope;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string;
    const next = node[key];
    if (typeof next !== 'object' || next === null) {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    } else {
      node = next as Record<string, unknown>;
    }
  }
  node[path[path.length - 1] as string] = '';
}

const UNDEFINED_RE = /^undefined variable: ([^,]+)/;

/** Renders one template part, collecting every missing variable (re-rendering with a blank in its place). */
function renderPart(
  engine: Liquid,
  source: string,
  scope: Record<string, unknown>,
  missing: Set<string>,
  errors: string[],
  deadline: number,
): string {
  if (!source) return '';
  let parsed: Template[];
  try {
    parsed = parse(engine, source);
  } catch (error) {
    errors.push(friendlyError(error as Error));
    return '';
  }
  for (let attempt = 0; attempt <= MAX_MISSING; attempt++) {
    const left = Math.floor(deadline - performance.now());
    if (left <= 0) {
      errors.push('The template takes too long to render');
      return '';
    }
    try {
      return String(engine.renderSync(parsed, scope, { renderLimit: Math.min(LIMITS.renderLimit, left) }));
    } catch (error) {
      const match = UNDEFINED_RE.exec((error as Error).message);
      if (!match?.[1] || (error as Error).name !== 'UndefinedVariableError') {
        errors.push(friendlyError(error as Error));
        return '';
      }
      const name = match[1].trim();
      missing.add(name);
      setPath(scope, name.split('.'));
    }
  }
  errors.push('too many missing placeholders');
  return '';
}

/** Limit errors say what happened in words a seller understands; the rest keep LiquidJS's message. */
function friendlyError(error: Error): string {
  const message = error.message;
  if (/template render limit exceeded/i.test(message)) return 'The template takes too long to render';
  if (/memory alloc limit exceeded/i.test(message)) return 'The template produces too much content';
  if (/parse length limit exceeded/i.test(message)) return 'The template is too long';
  return message.slice(0, 300);
}

export function renderTemplate(template: TemplateSource, context: RenderContext): RenderedMessage {
  const deadline = performance.now() + RENDER_BUDGET_MS;
  const missing = new Set<string>();
  const errors: string[] = [];
  const scope = (): Record<string, unknown> => ({
    record: present(context.record),
    owner: present(context.owner),
    org: present(context.org),
  });
  const subject = renderPart(plainEngine, template.subject, scope(), missing, errors, deadline)
    .replace(/\s+/g, ' ')
    .trim();
  const html = renderPart(htmlEngine, template.bodyHtml, scope(), missing, errors, deadline);
  const text = template.bodyText?.trim()
    ? renderPart(plainEngine, template.bodyText, scope(), missing, errors, deadline)
    : htmlToText(html);
  return { subject, html, text, missing: [...missing], errors };
}

/** One line for a held message: "Missing placeholders: record.first_name, owner.phone". */
export function holdReasonFor(rendered: Pick<RenderedMessage, 'missing' | 'errors'>): string | null {
  if (rendered.errors.length > 0) return `Template error: ${rendered.errors.join('; ')}`.slice(0, 1000);
  if (rendered.missing.length > 0) {
    return `Missing placeholders without a fallback: ${rendered.missing.join(', ')}`.slice(0, 1000);
  }
  return null;
}
