import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderForSending } from '../../src/mail/prepare-message.ts';

/**
 * Issue 20's property: for ANY record field values — every Liquid tag and filter, HTML, entities, unicode — the
 * email that would be sent contains them as text, escaped, and nothing else changes.
 */
const LIQUID = [
  "{% include 'package.json' %}",
  "{% render 'package.json' %}",
  "{% layout 'package.json' %}",
  '{% include record.company %}',
  '{{ record.company }}',
  '{{ 6 | times: 7 }}',
  '{% for i in (1..3) %}x{% endfor %}',
  '{% assign a = "b" %}{{ a }}',
  '{% raw %}{{ x }}{% endraw %}',
  '{%- if true -%}y{%- endif -%}',
  '{{ "x" | append: "y" | upcase }}',
  '{% comment %}c{% endcomment %}',
  '{% capture c %}z{% endcapture %}{{ c }}',
  '{% case 1 %}{% when 1 %}one{% endcase %}',
  '{% cycle "a", "b" %}',
  '{% increment n %}',
  '{% liquid echo "x" %}',
  '{% echo "x" %}',
  '{{',
  '{%',
  '}}',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '&amp;&lt;&#34;',
  '"\'`',
];

const fieldValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(...LIQUID),
  fc
    .array(fc.oneof(fc.constantFrom(...LIQUID), fc.string({ maxLength: 8 })), { maxLength: 5 })
    .map((parts) => parts.join('')),
);

/** The visible text of the email HTML: tags dropped, entities decoded, whitespace squeezed. */
function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp);/gi, (_whole, name: string) => {
      const lower = name.toLowerCase();
      if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
      if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }[lower] ?? '';
    });
}

/** C0 controls other than tab, newline and carriage return. */
const isHiddenControl = (char: string) => {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 && char !== '\t' && char !== '\n' && char !== '\r';
};

const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('rendering treats record fields as data', () => {
  it('any field values arrive escaped as text, and nothing else in the email changes', () => {
    fc.assert(
      fc.property(fieldValue, fieldValue, (first, company) => {
        // Whitespace-only values count as "no value": those are the missing-placeholder rule's business.
        fc.pre(first.trim() !== '' && company.trim() !== '');
        // NUL and other C0 controls are not text a mail client shows: sanitising may drop them.
        fc.pre(![...(first + company)].some(isHiddenControl));
        const out = renderForSending(
          {
            subject: 'About {{ record.company }}',
            bodyHtml: '<p>Hi {{ record.first_name }},</p><p>how is {{ record.company }}?</p>',
          },
          { record: { first_name: first, company }, owner: {}, org: {} },
        );
        if ('held' in out) throw new Error(`held: ${out.held}`);
        expect(out.subject).toBe(squeeze(`About ${company}`));
        // The markup is the template's, exactly: two paragraphs, no tag from a value.
        expect(out.html.match(/<[a-z][^>]*>/gi)).toEqual(['<p>', '<p>']);
        expect(visibleText(out.html)).toBe(`Hi ${first},how is ${company}?`);
      }),
      { numRuns: 500 },
    );
  });
});
