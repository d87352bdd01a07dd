import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { NodeKind, SequenceNode } from '../../../src/domain/sequence/definition.ts';
import { nodeIndex } from '../../../src/domain/sequence/graph.ts';
import { AddPanel } from './AddPanel.tsx';
import { focusCanvasNode } from './designer-keys.ts';
import { replaceNode } from './graph-edit.ts';
import { PropertiesPanel } from './properties/PropertiesPanel.tsx';
import { SequenceOptionsPanel } from './properties/SequenceOptionsPanel.tsx';
import { VersionHistory } from './side-lists.tsx';
import type { DesignerState } from './use-designer-state.ts';

/** The toolbar: title, status, undo/redo, fit, dirty state, history, edit, save and activate. */
export function DesignerToolbar({ state, onFit }: { state: DesignerState; onFit(): void }) {
  const { t } = useTranslation('designer');
  const { sequence, readOnly, history, dirty, historyOpen, canEdit, viewing, saving } = state;
  return (
    <div className="designer-toolbar" role="toolbar" aria-label={t('toolbar')}>
      <strong className="designer-title">{sequence.name}</strong>
      <span className={`designer-status ${sequence.status}`} data-testid="designer-status">
        {t(`status.${sequence.status}`)}
      </span>
      {!readOnly && (
        <>
          <button type="button" onClick={history.undo} disabled={!history.canUndo} title={t('undoHint')}>
            {t('undo')}
          </button>
          <button type="button" onClick={history.redo} disabled={!history.canRedo} title={t('redoHint')}>
            {t('redo')}
          </button>
        </>
      )}
      <button type="button" onClick={onFit}>
        {t('fit')}
      </button>
      <span className="designer-spacer" />
      {!readOnly && (
        <span
          className={dirty ? 'designer-dirty' : 'designer-muted'}
          data-testid="dirty-state"
          aria-live="polite"
        >
          {dirty ? t('unsaved') : t('allSaved')}
        </span>
      )}
      <button
        type="button"
        aria-pressed={historyOpen}
        onClick={() => {
          state.setHistoryOpen(!historyOpen);
          state.setAddSlot(null);
        }}
      >
        {t('history.open')}
      </button>
      {sequence.status === 'active' && canEdit && viewing === null && (
        <button type="button" className="primary" onClick={state.edit} data-testid="edit-sequence">
          {t('edit')}
        </button>
      )}
      {!readOnly && (
        <>
          <button
            type="button"
            onClick={() => void state.save()}
            disabled={saving || !dirty}
            data-testid="save"
          >
            {saving ? t('saving') : t('save')}
          </button>
          {sequence.canActivate !== false && (
            <button type="button" className="primary" onClick={state.openActivate} data-testid="activate">
              {t('activate.button')}
            </button>
          )}
        </>
      )}
    </div>
  );
}

/** What the user is looking at (an old version, an active sequence, a revision, no edit right) and notices. */
export function DesignerBanners({ state }: { state: DesignerState }) {
  const { t } = useTranslation('designer');
  const { sequence, viewing, canEdit, notice } = state;
  return (
    <>
      {viewing !== null && (
        <div className="designer-banner" role="status">
          {t('banner.version', { version: viewing })}{' '}
          <button type="button" onClick={() => state.setViewing(null)}>
            {t('history.draft')}
          </button>
        </div>
      )}
      {viewing === null && sequence.status === 'active' && (
        <div className="designer-banner" role="status" data-testid="read-only-banner">
          {t(canEdit ? 'banner.active' : 'banner.activeNoEdit')}
        </div>
      )}
      {viewing === null && sequence.status === 'revision' && (
        <div className="designer-banner" role="status">
          {t('banner.revision', { version: sequence.activeVersion ?? '' })}
        </div>
      )}
      {viewing === null && sequence.status !== 'active' && !canEdit && (
        <div className="designer-banner" role="status">
          {t('banner.noEdit')}
        </div>
      )}
      {notice && (
        <div
          className={`designer-notice ${notice.kind}`}
          role={notice.kind === 'error' ? 'alert' : 'status'}
          data-testid="designer-notice"
        >
          {notice.text}
          <button type="button" onClick={() => state.setNotice(null)} aria-label={t('close')}>
            ×
          </button>
        </div>
      )}
    </>
  );
}

/** The side panel: adding a step, version history, the selected step's properties, or sequence options. */
export function DesignerSidePanel({
  state,
  onAdd,
}: {
  state: DesignerState;
  onAdd(kind: NodeKind): void;
}): ReactNode {
  const { addSlot, readOnly, draft, historyOpen, definition, selectedId, problems } = state;
  const selected = selectedId && definition ? nodeIndex(definition).get(selectedId) : undefined;
  if (addSlot && !readOnly) {
    return (
      <AddPanel definition={draft} slot={addSlot} onAdd={onAdd} onClose={() => state.setAddSlot(null)} />
    );
  }
  if (historyOpen) {
    return (
      <VersionHistory
        sequenceId={state.sequence.id}
        viewing={state.viewing}
        onView={(v) => {
          state.setViewing(v);
          state.setSelectedId(null);
        }}
        onClose={() => state.setHistoryOpen(false)}
      />
    );
  }
  if (selected) {
    return (
      <PropertiesPanel
        node={selected}
        definition={definition!}
        problems={problems.filter((p) => p.nodeId === selected.id)}
        onChange={(node: SequenceNode) => state.apply(replaceNode(draft, node))}
        onDelete={() => state.requestDelete(selected.id)}
        onClose={() => {
          state.setSelectedId(null);
          focusCanvasNode(selected.id);
        }}
      />
    );
  }
  if (definition) {
    return (
      <SequenceOptionsPanel
        options={definition.options}
        onChange={(options) => state.apply({ ...draft, options })}
      />
    );
  }
  return null;
}
