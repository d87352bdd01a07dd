import { z } from 'zod';
import type { Problem } from '../errors.ts';
import { fieldCodeOfZodIssue } from '../field-problem-codes.ts';
import {
  RecordTypeSchema,
  type SequenceDefinition,
  SequenceDefinitionSchema,
  SequenceOptionsSchema,
} from './definition.ts';

/**
 * The export document: one sequence with the email templates it uses and its tags, versioned by `format`.
 * Template ids inside the definition refer to `emailTemplates[].id`; import gives them new ids.
 */
export const EXPORT_FORMAT = 'stepwise.sequence/1';

export const ExportedEmailTemplateSchema = z.strictObject({
  id: z.string().min(1).max(100),
  name: z.string().trim().min(1).max(200),
  language: z.enum(['en', 'pl']),
  subject: z.string().max(998),
  bodyHtml: z.string().max(200_000),
  bodyText: z.string().max(200_000).nullable(),
  recordType: RecordTypeSchema.nullable(),
});
export type ExportedEmailTemplate = z.infer<typeof ExportedEmailTemplateSchema>;

/** A tag as its path from the root, e.g. ["Region", "EMEA"]. */
export const ExportedTagSchema = z.array(z.string().trim().min(1).max(100)).min(1).max(4);

export const SequenceExportSchema = z
  .strictObject({
    format: z.literal(EXPORT_FORMAT),
    name: z.string().trim().min(1).max(200),
    description: z.string().max(4000),
    recordType: RecordTypeSchema,
    definition: SequenceDefinitionSchema,
    options: SequenceOptionsSchema,
    emailTemplates: z.array(ExportedEmailTemplateSchema).max(500),
    tags: z.array(ExportedTagSchema).max(100),
  })
  .meta({ id: 'SequenceExport' });
export type SequenceExport = z.infer<typeof SequenceExportSchema>;

/** Every template id a definition refers to (steps and A/B variants). */
export function templateIdsOf(definition: SequenceDefinition): string[] {
  const ids = new Set<string>();
  for (const node of definition.nodes) {
    if (node.kind !== 'email' && node.kind !== 'automated_email') continue;
    if (node.templateId) ids.add(node.templateId);
    for (const variant of node.abTest?.variants ?? []) if (variant.templateId) ids.add(variant.templateId);
  }
  return [...ids];
}

/** The definition with template ids replaced through `map`; ids not in the map stay as they are. */
export function remapTemplateIds(
  definition: SequenceDefinition,
  map: ReadonlyMap<string, string>,
): SequenceDefinition {
  const swap = (id: string | null | undefined) => (id ? (map.get(id) ?? id) : id);
  return {
    ...definition,
    nodes: definition.nodes.map((node) => {
      if (node.kind !== 'email' && node.kind !== 'automated_email') return node;
      const templateId = swap(node.templateId);
      const withTemplate =
        node.kind === 'automated_email'
          ? { ...node, templateId: templateId ?? null }
          : { ...node, ...(node.templateId === undefined ? {} : { templateId }) };
      if (!node.abTest) return withTemplate;
      return {
        ...withTemplate,
        abTest: {
          ...node.abTest,
          variants: node.abTest.variants.map((variant) => ({
            ...variant,
            templateId: swap(variant.templateId) ?? null,
          })),
        },
      };
    }),
  };
}

/**
 * The definition with every "advance to another sequence" target that is not in `known` cleared: an imported
 * sequence never carries a reference into a sequence the importer cannot see (or that does not exist here).
 * The step stays, without a target, and validation asks the importer to choose one.
 */
export function clearUnknownAdvanceTargets(
  definition: SequenceDefinition,
  known: ReadonlySet<string>,
): SequenceDefinition {
  return {
    ...definition,
    nodes: definition.nodes.map((node) =>
      node.kind === 'advance_sequence' && node.sequenceId && !known.has(node.sequenceId)
        ? { ...node, sequenceId: null }
        : node,
    ),
  };
}

export type ExportProblem = Problem;

/**
 * Parses an import document. Returns every schema problem plus references the document cannot satisfy
 * (a template id used by the definition but not included), or the document.
 */
export function parseExport(
  input: unknown,
): { ok: true; document: SequenceExport } | { ok: false; problems: ExportProblem[] } {
  const parsed = SequenceExportSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({
        path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        code:
          issue.code === 'invalid_value' && issue.path[0] === 'format'
            ? 'unsupported_format'
            : fieldCodeOfZodIssue(issue.code),
        message:
          issue.path[0] === 'format'
            ? `Unsupported document format; expected "${EXPORT_FORMAT}"`
            : issue.message,
      })),
    };
  }
  const document = parsed.data;
  const included = new Set(document.emailTemplates.map((t) => t.id));
  const problems: ExportProblem[] = [];
  for (const id of templateIdsOf(document.definition)) {
    if (!included.has(id)) {
      problems.push({
        path: ['emailTemplates'],
        code: 'template_not_included',
        message: `The definition uses email template "${id}", which the document does not include`,
      });
    }
  }
  const seen = new Set<string>();
  for (const [index, template] of document.emailTemplates.entries()) {
    if (seen.has(template.id)) {
      problems.push({
        path: ['emailTemplates', index, 'id'],
        code: 'duplicate_template_id',
        message: `Template id "${template.id}" appears twice`,
      });
    }
    seen.add(template.id);
  }
  for (const [index, path] of document.tags.entries()) {
    if (path.some((part) => part.includes('/'))) {
      problems.push({
        path: ['tags', index],
        code: 'tag_name_invalid',
        message: 'A tag name cannot contain "/"',
      });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, document };
}
