import { useTranslation } from 'react-i18next';

/** A call step's numbers, business first, with a clear warning when the record must not be called. */
export function PhoneNumbers({
  record,
}: {
  record: { phoneBusiness?: string | null; phoneMobile?: string | null; doNotCall?: boolean };
}) {
  const { t } = useTranslation('upnext');
  return (
    <div className="phones">
      {record.doNotCall && (
        <p role="alert" className="warning strong" data-testid="do-not-call">
          {t('doNotCall')}
        </p>
      )}
      <ul className="plain-list">
        {record.phoneBusiness && (
          <li>
            {t('phoneBusiness')}: <a href={`tel:${record.phoneBusiness}`}>{record.phoneBusiness}</a>
          </li>
        )}
        {record.phoneMobile && (
          <li>
            {t('phoneMobile')}: <a href={`tel:${record.phoneMobile}`}>{record.phoneMobile}</a>
          </li>
        )}
        {!record.phoneBusiness && !record.phoneMobile && <li className="muted">{t('noPhone')}</li>}
      </ul>
    </div>
  );
}
