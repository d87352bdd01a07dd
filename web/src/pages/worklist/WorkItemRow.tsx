import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { isUnnamedStep } from '../../../../src/domain/sequence/step-labels.ts';
import type { WorkItem } from '../../api/types.ts';
import { KindLabel } from '../../components/Badges.tsx';
import { type Panel, StepActions } from '../../components/StepActions.tsx';
import { useFormat } from '../../i18n/format.ts';
import { PhoneNumbers } from '../record/PhoneNumbers.tsx';
import type { Bucket } from './WorklistPage.tsx';

/** One work item of the work list: its line (select, kind, record, sequence, due) and, expanded, its actions. */
export function isUnread(item: WorkItem): boolean {
  return item.unread ?? !item.readAt;
}

export function WorkItemRow({
  item,
  bucket,
  selected,
  expanded,
  active,
  panelRequest,
  onSelect,
  onToggleExpand,
}: {
  item: WorkItem;
  bucket: Bucket;
  selected: boolean;
  expanded: boolean;
  active: boolean;
  panelRequest: { panel: Exclude<Panel, null>; n: number } | null;
  onSelect(on: boolean): void;
  onToggleExpand(): void;
}) {
  const { t } = useTranslation('worklist');
  const format = useFormat();
  return (
    <article
      className={`work-item ${isUnread(item) ? 'unread' : ''} ${bucket === 'overdue' ? 'overdue' : ''} ${active ? 'active' : ''}`}
      data-testid="work-item"
      data-item-id={item.id}
      data-active={active || undefined}
      tabIndex={-1}
      aria-label={item.recordName}
    >
      <div className="work-item-main">
        <input
          type="checkbox"
          checked={selected}
          aria-label={t('selectItem', { name: item.recordName })}
          onChange={(event) => onSelect(event.target.checked)}
        />
        <KindLabel kind={item.kind} />
        <div className="work-item-text">
          <Link to={`/record/${item.recordId}?from=worklist`} className="strong">
            {item.recordName}
          </Link>
          <span className="muted">
            {' · '}
            {[ownName(item), item.sequenceName, t(`common:recordType.${item.recordType}`)]
              .filter(Boolean)
              .join(' · ')}
          </span>
          {item.followed && <span className="badge">{t('followed')}</span>}
        </div>
        <time className={bucket === 'overdue' ? 'due overdue' : 'due'} title={format.dateTime(item.dueAt)}>
          {format.relative(item.dueAt)}
        </time>
        <button type="button" aria-expanded={expanded} onClick={onToggleExpand}>
          {t('actions')}
        </button>
      </div>
      {expanded && (
        <div className="work-item-actions">
          {item.kind === 'phone_call' && <PhoneNumbers record={item} />}
          <StepActions
            key={panelRequest?.n ?? 0}
            step={item}
            compact
            {...(panelRequest ? { initialPanel: panelRequest.panel } : {})}
          />
        </div>
      )}
    </article>
  );
}

/** The step's own name; none for an unnamed step (its kind label is shown beside it). */
function ownName(item: { kind: string; name: string }): string | null {
  return isUnnamedStep(item.name, item.kind) ? null : item.name;
}
