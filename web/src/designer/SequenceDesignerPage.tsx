import '@xyflow/react/dist/style.css';
import './designer.css';
import { useQuery } from '@tanstack/react-query';
import { ReactFlowProvider } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import type { NodeKind } from '../../../src/domain/sequence/definition.ts';
import { ApiError } from '../api/client.ts';
import { DesignerCanvas, useCanvasView } from './DesignerCanvas.tsx';
import { DesignerBanners, DesignerSidePanel, DesignerToolbar } from './DesignerPanels.tsx';
import { fetchSequence, type SequenceView } from './designer-api.ts';
import { DesignerContext, type DesignerContextValue } from './designer-context.tsx';
import { focusNameField, nodeKeyHandler, useDesignerShortcuts } from './designer-keys.ts';
import { ActivateDialog, ConfirmDialog } from './dialogs.tsx';
import { createNode, insertNode, slotKey } from './graph-edit.ts';
import { LeaveGuard } from './LeaveGuard.tsx';
import { ProblemsList } from './side-lists.tsx';
import { apiErrorText, useDesignerState } from './use-designer-state.ts';

/** The sequence designer at /sequences/:id (SPEC §2–§3). */
export function SequenceDesignerPage() {
  const { t } = useTranslation('designer');
  const { id } = useParams();
  const sequence = useQuery({
    queryKey: ['designer', 'sequence', id],
    queryFn: () => fetchSequence(id!),
    enabled: !!id,
    staleTime: Number.POSITIVE_INFINITY,
    // The designer keeps its own state once open; coming back (another tab, the list) must load the draft as it
    // is now, not the one first opened: a cached copy showed steps from before the last save and saved over them.
    gcTime: 0,
  });
  if (sequence.isPending) return <p className="loading">{t('loading')}</p>;
  if (sequence.isError || !sequence.data) {
    const error = sequence.error;
    return (
      <p role="alert" className="error">
        {error instanceof ApiError ? apiErrorText(t, error) : t('apiErrors.unknown_error')}
      </p>
    );
  }
  return (
    <ReactFlowProvider>
      <Designer key={sequence.data.id} initial={sequence.data} />
    </ReactFlowProvider>
  );
}

/** Composes the designer: state (use-designer-state.ts), canvas (DesignerCanvas.tsx) and panels. */
function Designer({ initial }: { initial: SequenceView }) {
  const { t } = useTranslation('designer');
  const state = useDesignerState(initial);
  const { sequence, readOnly, draft, addSlot, fields, lookups, viewing, flowGraph, history } = state;
  const shownGraph = viewing === null ? 'draft' : `v${viewing}:${state.version.isSuccess}`;
  const view = useCanvasView(flowGraph, shownGraph);

  const context: DesignerContextValue = {
    readOnly,
    recordType: sequence.recordType,
    selectedId: state.selectedId,
    addSlotKey: addSlot ? slotKey(addSlot) : null,
    openAdd: (slot) => {
      state.setAddSlot(slot);
      state.setSelectedId(null);
      state.setHistoryOpen(false);
    },
    select: state.select,
    requestDelete: state.requestDelete,
    templates: lookups.templates,
    sequences: lookups.sequences.filter((s) => s.id !== sequence.id),
    fields,
    stages: lookups.stages,
  };

  function addNode(kind: NodeKind) {
    if (!addSlot) return;
    const settable = fields.find(
      (f) => (f.type === 'option_set' || f.type === 'two_options') && f.options?.length,
    );
    const node = createNode(draft, addSlot, kind, {
      ...(settable ? { settableField: { name: settable.name, value: settable.options![0]!.value } } : {}),
    });
    state.apply(insertNode(draft, addSlot, node));
    view.reveal(node.id);
    state.setAddSlot(null);
    state.setSelectedId(node.id);
    focusNameField();
  }

  function focusNode(id: string) {
    state.select(id);
    view.center(id);
  }

  useDesignerShortcuts({ undo: history.undo, redo: history.redo, save: () => void state.save() });

  return (
    <DesignerContext.Provider value={context}>
      <LeaveGuard dirty={state.dirty && !readOnly} save={state.save} />
      {/* biome-ignore lint/a11y/noStaticElementInteractions: keyboard shortcuts of the whole designer */}
      <div
        className="designer"
        onKeyDown={nodeKeyHandler(state.select, state.requestDelete)}
        data-testid="designer"
      >
        <DesignerToolbar state={state} onFit={view.placeTop} />
        <DesignerBanners state={state} />
        <div className="designer-body">
          <DesignerCanvas
            flowGraph={flowGraph}
            view={view}
            onSelect={state.select}
            onPaneClick={() => {
              state.setSelectedId(null);
              state.setAddSlot(null);
            }}
          />
          <aside className="designer-side" aria-label={t('sidePanel')}>
            <DesignerSidePanel state={state} onAdd={addNode} />
            {viewing === null && (
              <ProblemsList problems={state.problems} definition={draft} onSelect={(id) => focusNode(id)} />
            )}
          </aside>
        </div>
        {state.activating && (
          <ActivateDialog
            revision={sequence.status === 'revision'}
            busy={state.activating.busy}
            error={state.activating.error}
            onActivate={state.runActivate}
            onCancel={() => state.setActivating(null)}
          />
        )}
        {state.confirmDelete && (
          <ConfirmDialog
            title={t('delete.title')}
            message={t('delete.withBranch', { count: state.confirmDelete.removed })}
            confirmLabel={t('delete.confirm')}
            danger
            onCancel={() => state.setConfirmDelete(null)}
            onConfirm={state.confirmDeletion}
          />
        )}
      </div>
    </DesignerContext.Provider>
  );
}
