import './email.css';

/**
 * A rendered email as the recipient sees it: the subject and the HTML body in a sandboxed frame (no scripts, no
 * same-origin access), so the seller reads formatted text instead of markup.
 */
export function EmailPreview({ subject, html }: { subject: string; html: string }) {
  return (
    <div className="email-preview" data-testid="email-preview">
      <p data-testid="email-preview-subject">
        <strong>{subject}</strong>
      </p>
      <iframe
        title={subject || 'email'}
        className="email-frame"
        sandbox=""
        data-testid="email-preview-body"
        srcDoc={`<!doctype html><meta charset="utf-8"><style>body{font-family:system-ui,sans-serif;font-size:14px;margin:8px}</style>${html}`}
      />
    </div>
  );
}
