import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { SequenceDefinition } from '../../../src/domain/sequence/definition.ts';
import { nodeIndex } from '../../../src/domain/sequence/graph.ts';
import { type DesignerProblem, fetchVersions } from './designer-api.ts';
import { nodeTitle, problemText } from './designer-context.tsx';

/** Every problem of the draft; choosing one selects its node. */
export function ProblemsList({
  problems,
  definition,
  onSelect,
}: {
  problems: DesignerProblem[];
  definition: SequenceDefinition;
  onSelect(nodeId: string): void;
}) {
  const { t } = useTranslation('designer');
  const byId = nodeIndex(definition);
  if (problems.length === 0) return null;
  return (
    <section
      className="designer-problems"
      aria-labelledby="designer-problems-title"
      data-testid="problems-list"
    >
      <h2 id="designer-problems-title">{t('problemCount', { count: problems.length })}</h2>
      <ul>
        {problems.map((problem) => {
          const node = problem.nodeId ? byId.get(problem.nodeId) : undefined;
          const text = problemText(t, problem);
          return (
            <li key={`${problem.code}-${problem.nodeId}`}>
              {node ? (
                <button type="button" className="designer-link" onClick={() => onSelect(node.id)}>
                  <strong>{nodeTitle(t, node)}:</strong> {text}
                </button>
              ) : (
                <span>{text}</span>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** Versions with their change notes; choosing one shows it read-only on the canvas. */
export function VersionHistory({
  sequenceId,
  viewing,
  onView,
  onClose,
}: {
  sequenceId: string;
  viewing: number | null;
  onView(version: number | null): void;
  onClose(): void;
}) {
  const { t, i18n } = useTranslation('designer');
  const versions = useQuery({
    queryKey: ['sequence', sequenceId, 'versions', 'designer'],
    queryFn: () => fetchVersions(sequenceId),
  });
  const format = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <section
      className="designer-panel"
      aria-labelledby="designer-history-title"
      data-testid="version-history"
    >
      <header className="designer-panel-head">
        <h2 id="designer-history-title">{t('history.title')}</h2>
        <button type="button" onClick={onClose} aria-label={t('close')}>
          ×
        </button>
      </header>
      <button type="button" disabled={viewing === null} onClick={() => onView(null)}>
        {t('history.draft')}
      </button>
      {versions.isError && <p className="error">{t('history.loadFailed')}</p>}
      {versions.isSuccess && versions.data.length === 0 && (
        <p className="designer-muted">{t('history.empty')}</p>
      )}
      <ol className="designer-versions">
        {(versions.data ?? []).map((version) => (
          <li key={version.version} className={viewing === version.version ? 'current' : undefined}>
            <button type="button" className="designer-link" onClick={() => onView(version.version)}>
              <strong>{t('history.version', { version: version.version })}</strong>
            </button>{' '}
            <span className="designer-muted">
              {format.format(version.createdAt)}
              {version.createdByName ? ` · ${version.createdByName}` : ''}
            </span>
            <p>{version.changeNote ?? t('history.noNote')}</p>
          </li>
        ))}
      </ol>
    </section>
  );
}
