import sanitizeHtml from 'sanitize-html';

/**
 * What leaves Stepwise as email HTML is sanitised: a seller's edited draft is sent as written (never rendered as a
 * template again), so it is cleaned instead — no scripts, event handlers, forms, frames or `javascript:` links.
 * The allow-list is what email clients render anyway (tables and inline styles included), so a legitimate
 * email looks the same after cleaning.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    ...sanitizeHtml.defaults.allowedTags,
    'img',
    'span',
    'font',
    'center',
    'u',
    's',
    'hr',
    'colgroup',
    'col',
  ],
  allowedAttributes: {
    '*': ['style', 'align', 'valign', 'dir', 'lang', 'title', 'class', 'width', 'height', 'bgcolor'],
    a: ['href', 'name', 'target', 'rel'],
    img: ['src', 'alt', 'width', 'height', 'border'],
    table: ['border', 'cellpadding', 'cellspacing', 'role'],
    td: ['colspan', 'rowspan', 'nowrap'],
    th: ['colspan', 'rowspan', 'scope'],
    font: ['color', 'face', 'size'],
    col: ['span'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https', 'cid'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
};

export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}
