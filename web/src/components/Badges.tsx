import { useTranslation } from 'react-i18next';

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge status-${status}`} data-testid="status-badge">
      {t(`status.${status}`, { defaultValue: status })}
    </span>
  );
}

export function KindLabel({ kind }: { kind: string }) {
  const { t } = useTranslation();
  return <span className={`kind kind-${kind}`}>{t(`kind.${kind}`, { defaultValue: kind })}</span>;
}
