import { useTranslation } from 'react-i18next';
import { makeFormatters, useFormat } from '../i18n/format.ts';

/**
 * "Scheduled for" in two zones (issue 13): the moment in the recipient's time (the zone the schedule reads) and
 * in the viewer's own time (profile zone, else the organisation's, else the browser's).
 */
export function ScheduledFor({
  at,
  recipientZone,
}: {
  at: number;
  recipientZone: string | null | undefined;
}) {
  const { t, i18n } = useTranslation('common');
  const viewer = useFormat();
  const viewerZone = viewer.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const recipient = recipientZone ? makeFormatters(i18n.language, recipientZone) : null;
  return (
    <span className="scheduled-for" data-testid="scheduled-for">
      {recipient && (
        <span className="scheduled-recipient">
          {t('scheduledFor.recipient', { time: recipient.dateTime(at), zone: recipientZone })}
        </span>
      )}
      <span className={recipient ? 'scheduled-viewer muted small' : 'scheduled-viewer'}>
        {t('scheduledFor.viewer', { time: viewer.dateTime(at), zone: viewerZone })}
      </span>
    </span>
  );
}
