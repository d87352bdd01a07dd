import { describe, expect, it } from 'vitest';
import { edgesOf } from '../../src/domain/sequence/graph.ts';
import { validateDefinition } from '../../src/domain/sequence/validate.ts';
import {
  BUILTIN_EMAIL_TEMPLATES,
  builtinTemplateRows,
  TEMPLATE_LANGUAGES,
} from '../../src/domain/templates/builtin-emails.ts';
import { BUILTIN_SEQUENCES, instantiateBuiltin } from '../../src/domain/templates/builtin-sequences.ts';
import { renderTemplate } from '../../src/mail/render.ts';

const rows = builtinTemplateRows();

describe('built-in sequence templates', () => {
  it('are the six Dynamics 365 templates with the right record types', () => {
    expect(BUILTIN_SEQUENCES.map((t) => [t.name.en, t.recordType])).toEqual([
      ["Follow up when contacts don't show up", 'contact'],
      ['High-volume outbound prospecting', 'lead'],
      ['Invite to an upcoming event', 'contact'],
      ['Meeting for product demo requests', 'opportunity'],
      ['Upcoming account renewal', 'account'],
      ['Webinar follow-up', 'lead'],
    ]);
  });

  it.each(
    BUILTIN_SEQUENCES.flatMap((t) => TEMPLATE_LANGUAGES.map((language) => [t.key, language, t] as const)),
  )(
    '%s (%s) is a valid branching sequence whose templates exist in that language',
    (_key, language, template) => {
      const definition = instantiateBuiltin(template, language);
      const templates = rows.filter((row) => row.language === language);
      const problems = validateDefinition(definition, {
        recordType: template.recordType,
        templates,
        sequences: [],
        fields: [],
      });
      expect(problems).toEqual([]);
      const kinds = new Set(definition.nodes.map((n) => n.kind));
      expect(kinds.has('condition_email') || kinds.has('condition_call')).toBe(true);
      expect([...kinds].some((k) => k === 'email' || k === 'automated_email')).toBe(true);
      expect(kinds.has('phone_call')).toBe(true);
      // Branching: at least one node whose yes and no lead to different places.
      expect(
        definition.nodes.some(
          (n) => edgesOf(n).length === 2 && edgesOf(n)[0]!.target !== edgesOf(n)[1]!.target,
        ),
      ).toBe(true);
      for (const node of definition.nodes) {
        if ((node.kind === 'email' || node.kind === 'automated_email') && node.templateId) {
          const row = templates.find((t) => t.id === node.templateId)!;
          expect(row.recordType).toBe(template.recordType);
        }
      }
    },
  );

  it('use LinkedIn steps and waits somewhere in the gallery', () => {
    const kinds = new Set(BUILTIN_SEQUENCES.flatMap((t) => t.definition.nodes.map((n) => n.kind)));
    for (const kind of [
      'wait',
      'linkedin_connect',
      'linkedin_inmail',
      'linkedin_research',
      'task',
    ] as const) {
      expect(kinds.has(kind)).toBe(true);
    }
  });
});

describe('built-in email templates', () => {
  it('exist in English and Polish with distinct text', () => {
    expect(rows).toHaveLength(BUILTIN_EMAIL_TEMPLATES.length * 2);
    for (const template of BUILTIN_EMAIL_TEMPLATES) {
      expect(template.copy.en.subject).not.toEqual(template.copy.pl.subject);
      expect(template.copy.pl.paragraphs.join(' ')).toMatch(/[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]/);
    }
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  });

  it.each(rows.map((row) => [row.id, row] as const))(
    '%s renders for a record with no optional fields',
    (_id, row) => {
      const rendered = renderTemplate(row, {
        record: { name: 'Acme', email: 'x@example.com' },
        owner: { name: 'Ola Nowak', email: 'ola@example.com' },
        org: { name: 'Stepwise Demo' },
      });
      expect(rendered.errors).toEqual([]);
      expect(rendered.missing).toEqual([]);
      expect(rendered.html).toContain('Ola Nowak');
      expect(rendered.text).not.toMatch(/\{\{|\}\}/);
      if (row.language === 'en') expect(rendered.html).toMatch(/Hi there,|Hi /);
    },
  );

  it('personalises when the record has the fields', () => {
    const intro = rows.find((r) => r.id === 'builtin-hvop-intro-en')!;
    const rendered = renderTemplate(intro, {
      record: { first_name: 'Anna', company: 'Kowalski Sp. z o.o.' },
      owner: { name: 'Ola' },
      org: { name: 'Demo' },
    });
    expect(rendered.subject).toBe('A quick idea for Kowalski Sp. z o.o.');
    expect(rendered.html).toContain('Hi Anna,');
  });
});
