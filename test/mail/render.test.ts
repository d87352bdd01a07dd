import { describe, expect, it } from 'vitest';
import { htmlToText } from '../../src/mail/html-text.ts';
import { holdReasonFor, renderTemplate } from '../../src/mail/render.ts';

const context = {
  record: { first_name: 'Ada', last_name: '', company: 'Acme & Co', leadScore: 42 },
  owner: { name: 'Sam Seller', email: 'sam@example.com', title: null },
  org: { name: 'Stepwise Ltd' },
};

describe('renderTemplate', () => {
  it('fills record, owner and org placeholders and escapes HTML values', () => {
    const out = renderTemplate(
      {
        subject: 'Hello {{ record.first_name }} from {{ org.name }}',
        bodyHtml:
          '<p>Hi {{ record.first_name }} at {{ record.company }} ({{ record.leadScore }})</p><p>{{ owner.name }}</p>',
      },
      context,
    );
    expect(out.missing).toEqual([]);
    expect(out.subject).toBe('Hello Ada from Stepwise Ltd');
    expect(out.html).toContain('Acme &amp; Co (42)');
    expect(out.text).toBe('Hi Ada at Acme & Co (42)\n\nSam Seller');
  });

  it('reports every placeholder without a value and without a fallback', () => {
    const out = renderTemplate(
      {
        subject: 'Hi {{ record.last_name }}',
        bodyHtml:
          'Dear {{ record.last_name | default: "friend" }}, {{ owner.title }} {{ record.nope | upcase }}',
      },
      context,
    );
    expect(out.missing.sort()).toEqual(['owner.title', 'record.last_name', 'record.nope']);
    expect(holdReasonFor(out)).toContain('record.last_name');
  });

  it('lets if-tags and default fallbacks handle missing values', () => {
    const out = renderTemplate(
      {
        subject: 'x',
        bodyHtml:
          '{% if record.last_name %}Mx {{ record.last_name }}{% else %}Hi {{ record.first_name | default: "there" }}{% endif %}',
        bodyText: 'Hi {{ record.x | default: "you" }}',
      },
      context,
    );
    expect(out.missing).toEqual([]);
    expect(out.html).toBe('Hi Ada');
    expect(out.text).toBe('Hi you');
  });

  it('reports template syntax errors instead of throwing', () => {
    const out = renderTemplate({ subject: '{{ record.first_name', bodyHtml: '{{ x | nofilter }}' }, context);
    expect(out.errors.length).toBeGreaterThan(0);
    expect(holdReasonFor(out)).toMatch(/Template error/);
  });
});

describe('htmlToText', () => {
  it('keeps links, breaks and list items readable', () => {
    expect(
      htmlToText(
        '<p>See <a href="https://x.test/a?b=1&amp;c=2">the docs</a></p><ul><li>one</li><li>two</li></ul>line<br>next &eacute;',
      ),
    ).toBe('See the docs (https://x.test/a?b=1&c=2)\n\n- one\n- two\n\nline\nnext &eacute;');
  });
});
