import '@xyflow/react/dist/style.css';
import './designer.css';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Background, Controls, ReactFlow, type ReactFlowInstance, ReactFlowProvider } from '@xyflow/react';
import { type KeyboardEvent, type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import type { NodeKind, SequenceDefinition, SequenceNode } from '../../../src/domain/sequence/definition.ts';
import { nodeIndex } from '../../../src/domain/sequence/graph.ts';
import { validateDefinition } from '../../../src/domain/sequence/validate.ts';
import { ApiError } from '../api/client.ts';
import { hasRole, useSession } from '../app/session.tsx';
import { AddPanel } from './AddPanel.tsx';
import { edgeTypes, nodeTypes } from './canvas-elements.tsx';
import {
  activate,
  type DesignerProblem,
  fetchSequence,
  fetchVersion,
  type SequenceView,
  saveDraft,
  startRevision,
  useDesignerLookups,
} from './designer-api.ts';
import { DesignerContext, type DesignerContextValue, nodeTitle } from './designer-context.tsx';
import { ActivateDialog, ConfirmDialog } from './dialogs.tsx';
import { createNode, deleteNode, insertNode, replaceNode, type Slot, slotKey } from './graph-edit.ts';
import { LeaveGuard } from './LeaveGuard.tsx';
import { buildFlow, type DesignerEdge, type DesignerNode } from './layout.ts';
import { mergeFields, PropertiesPanel } from './properties/PropertiesPanel.tsx';
import { SequenceOptionsPanel } from './properties/SequenceOptionsPanel.tsx';
import { useRevealNode } from './reveal-node.ts';
import { ProblemsList, VersionHistory } from './side-lists.tsx';
import { useHistory } from './use-history.ts';

/** The sequence designer at /sequences/:id (SPEC §2–§3). */
export function SequenceDesignerPage() {
  const { t } = useTranslation('designer');
  const { id } = useParams();
  const sequence = useQuery({
    queryKey: ['designer', 'sequence', id],
    queryFn: () => fetchSequence(id!),
    enabled: !!id,
    staleTime: Number.POSITIVE_INFINITY,
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

type T = ReturnType<typeof useTranslation<'designer'>>['t'];

function apiErrorText(t: T, error: ApiError): string {
  return t(`apiErrors.${error.code}`, {
    defaultValue: t(`errors:${error.code}`, { defaultValue: error.message }),
  });
}

function mergeProblems(...lists: DesignerProblem[][]): DesignerProblem[] {
  const seen = new Set<string>();
  const merged: DesignerProblem[] = [];
  for (const problem of lists.flat()) {
    const key = `${problem.code}|${problem.nodeId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(problem);
  }
  return merged;
}

/** Problems from a 422: each entry's path is ["node", id] or ["definition"]. */
function problemsFromError(error: ApiError): DesignerProblem[] {
  return error.problems.map((p) => ({
    code: p.code,
    nodeId: p.path[0] === 'node' && typeof p.path[1] === 'string' ? p.path[1] : null,
    message: p.message,
  }));
}

/** Keyboard users continue in the properties panel of the node they just added or opened. */
function focusNameField(): void {
  requestAnimationFrame(() => document.querySelector<HTMLInputElement>('[data-testid="prop-name"]')?.focus());
}

function isEditable(target: EventTarget): boolean {
  return (
    target instanceof HTMLElement && !!target.closest('input, textarea, select, [contenteditable="true"]')
  );
}

function Designer({ initial }: { initial: SequenceView }) {
  const { t } = useTranslation('designer');
  const queryClient = useQueryClient();
  const { me } = useSession();
  const [sequence, setSequence] = useState(initial);
  // The server decides (a refusal comes back as a 403); this only avoids offering edits the user cannot make.
  const canEdit =
    sequence.canEdit ??
    (!!me && (me.userId === sequence.ownerId || hasRole(me, 'sequence_manager', 'admin')));
  const history = useHistory<SequenceDefinition>(initial.draft);
  const lookups = useDesignerLookups(sequence.recordType);
  const fields = useMemo(() => mergeFields(lookups.fields), [lookups.fields]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [addSlot, setAddSlot] = useState<Slot | null>(null);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [viewing, setViewing] = useState<number | null>(null);
  const [serverProblems, setServerProblems] = useState<{ of: SequenceDefinition; list: DesignerProblem[] }>({
    of: initial.draft,
    list: initial.problems,
  });
  const [notice, setNotice] = useState<{ kind: 'info' | 'error'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [activating, setActivating] = useState<{ busy: boolean; error: string | null } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<{ id: string; removed: number } | null>(null);
  const flow = useRef<ReactFlowInstance<DesignerNode, DesignerEdge> | null>(null);

  const version = useQuery({
    queryKey: ['designer', 'sequence', sequence.id, 'version', viewing],
    queryFn: () => fetchVersion(sequence.id, viewing!),
    enabled: viewing !== null,
  });

  const draft = history.value;
  const definition = viewing !== null ? (version.data ?? null) : draft;
  const dirty = history.value !== history.saved;
  const readOnly = viewing !== null || sequence.status === 'active' || !canEdit;

  const { ready, unchecked, templates, sequences, fields: customFields } = lookups;
  const liveProblems = useMemo<DesignerProblem[]>(() => {
    if (!ready || !definition) return [];
    const skip = new Set(unchecked.split(','));
    return validateDefinition(definition, {
      recordType: sequence.recordType,
      sequenceId: sequence.id,
      templates,
      sequences,
      fields: customFields,
    }).filter((problem) => !skip.has(problem.code));
  }, [definition, ready, unchecked, templates, sequences, customFields, sequence.recordType, sequence.id]);
  const problems = useMemo(
    () =>
      viewing !== null
        ? []
        : mergeProblems(serverProblems.of === draft ? serverProblems.list : [], liveProblems),
    [viewing, serverProblems, draft, liveProblems],
  );

  const flowGraph = useMemo(
    () => (definition ? buildFlow(definition, problems, readOnly) : { nodes: [], edges: [] }),
    [definition, problems, readOnly],
  );

  const apply = useCallback(
    (next: SequenceDefinition) => {
      if (readOnly) return;
      history.set(next);
    },
    [history, readOnly],
  );

  const select = useCallback((id: string | null) => {
    setSelectedId(id);
    setAddSlot(null);
    setHistoryOpen(false);
  }, []);

  const requestDelete = useCallback(
    (id: string) => {
      if (readOnly) return;
      const result = deleteNode(draft, id);
      if (!result.ok) {
        const byId = nodeIndex(draft);
        setNotice({
          kind: 'error',
          text: t('delete.inspected', {
            name: nodeTitle(t, byId.get(id)!),
            conditions: result.by.map((c) => nodeTitle(t, byId.get(c)!)).join(', '),
          }),
        });
        return;
      }
      if (result.removed.length > 1) {
        setConfirmDelete({ id, removed: result.removed.length - 1 });
        return;
      }
      apply(result.definition);
      setSelectedId(null);
      setNotice(null);
    },
    [apply, draft, readOnly, t],
  );

  const context: DesignerContextValue = {
    readOnly,
    recordType: sequence.recordType,
    selectedId,
    addSlotKey: addSlot ? slotKey(addSlot) : null,
    openAdd: (slot) => {
      setAddSlot(slot);
      setSelectedId(null);
      setHistoryOpen(false);
    },
    select,
    requestDelete,
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
    apply(insertNode(draft, addSlot, node));
    reveal(node.id);
    setAddSlot(null);
    setSelectedId(node.id);
    focusNameField();
  }

  async function reload() {
    const fresh = await fetchSequence(sequence.id);
    setSequence(fresh);
    history.reset(fresh.draft);
    setServerProblems({ of: fresh.draft, list: fresh.problems });
    await queryClient.invalidateQueries({ queryKey: ['sequence', sequence.id] });
    await queryClient.invalidateQueries({ queryKey: ['sequences'] });
    queryClient.setQueryData(['designer', 'sequence', sequence.id], fresh);
  }

  async function save(): Promise<boolean> {
    if (readOnly) return false;
    const snapshot = draft;
    setSaving(true);
    try {
      const list = await saveDraft(sequence.id, snapshot);
      history.markSaved(snapshot);
      setServerProblems({ of: snapshot, list });
      setNotice({ kind: 'info', text: t('saved') });
      return true;
    } catch (error) {
      setNotice({
        kind: 'error',
        text: error instanceof ApiError ? apiErrorText(t, error) : t('apiErrors.unknown_error'),
      });
      return false;
    } finally {
      setSaving(false);
    }
  }

  async function openActivate() {
    if (dirty && !(await save())) return;
    setActivating({ busy: false, error: null });
  }

  async function runActivate(changeNote: string | null) {
    setActivating({ busy: true, error: null });
    try {
      await activate(sequence.id, changeNote);
      setActivating(null);
      await reload();
      setNotice({ kind: 'info', text: t('activate.done') });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'validation_failed' && error.problems.length > 0) {
        const list = problemsFromError(error);
        setServerProblems({ of: draft, list });
        setActivating(null);
        setNotice({ kind: 'error', text: t('activate.failed', { count: list.length }) });
        return;
      }
      setActivating({
        busy: false,
        error: error instanceof ApiError ? apiErrorText(t, error) : t('apiErrors.unknown_error'),
      });
    }
  }

  async function edit() {
    try {
      await startRevision(sequence.id);
      await reload();
      setNotice({ kind: 'info', text: t('revisionStarted') });
    } catch (error) {
      setNotice({
        kind: 'error',
        text: error instanceof ApiError ? apiErrorText(t, error) : t('apiErrors.unknown_error'),
      });
    }
  }

  /** Shows the whole graph from the top ("Sequence starts here" near the top edge), zoomed out only if needed. */
  const canvas = useRef<HTMLDivElement>(null);
  const reveal = useRevealNode(flow, canvas, flowGraph.nodes);
  const placeTop = useCallback(() => {
    const instance = flow.current;
    const box = canvas.current?.getBoundingClientRect();
    if (!instance || !box || flowGraph.nodes.length === 0) return;
    const xs = flowGraph.nodes.map((n) => n.position.x);
    const ys = flowGraph.nodes.map((n) => n.position.y);
    const minX = Math.min(...xs);
    const maxX = Math.max(...flowGraph.nodes.map((n) => n.position.x + (n.width ?? 0)));
    const minY = Math.min(...ys);
    const maxY = Math.max(...flowGraph.nodes.map((n) => n.position.y + (n.height ?? 0)));
    const zoom = Math.max(
      0.4,
      Math.min(1, (box.width - 48) / (maxX - minX), (box.height - 48) / (maxY - minY)),
    );
    void instance.setViewport(
      { x: box.width / 2 - ((minX + maxX) / 2) * zoom, y: 24 - minY * zoom, zoom },
      { duration: 0 },
    );
  }, [flowGraph]);

  // A different graph (another version, or back to the draft) starts from the top again.
  const shownGraph = viewing === null ? 'draft' : `v${viewing}:${version.isSuccess}`;
  const lastShown = useRef(shownGraph);
  useEffect(() => {
    if (lastShown.current === shownGraph) return;
    lastShown.current = shownGraph;
    requestAnimationFrame(placeTop);
  }, [shownGraph, placeTop]);

  function focusNode(id: string) {
    select(id);
    const node = flowGraph.nodes.find((n) => n.id === id);
    if (node && flow.current) {
      void flow.current.setCenter(node.position.x + (node.width ?? 0) / 2, node.position.y + 40, {
        zoom: flow.current.getZoom(),
        duration: 200,
      });
    }
  }

  // Undo, redo and save work anywhere on the page except while typing in a field.
  const shortcuts = useRef<{ undo(): void; redo(): void; save(): void }>(null);
  shortcuts.current = { undo: history.undo, redo: history.redo, save: () => void save() };
  useEffect(() => {
    const onShortcut = (event: globalThis.KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      if (!mod || !shortcuts.current) return;
      const key = event.key.toLowerCase();
      if (key === 's') {
        event.preventDefault();
        shortcuts.current.save();
        return;
      }
      if ((event.target && isEditable(event.target)) || document.querySelector('dialog[open]')) return;
      if (key === 'z') {
        event.preventDefault();
        if (event.shiftKey) shortcuts.current.redo();
        else shortcuts.current.undo();
      } else if (key === 'y') {
        event.preventDefault();
        shortcuts.current.redo();
      }
    };
    window.addEventListener('keydown', onShortcut);
    return () => window.removeEventListener('keydown', onShortcut);
  }, []);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.ctrlKey || event.metaKey || event.altKey || isEditable(event.target)) return;
    const element = event.target instanceof HTMLElement ? event.target.closest('.react-flow__node') : null;
    const id = element?.getAttribute('data-id');
    if (!id || id.includes(':')) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      select(id);
      focusNameField();
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      requestDelete(id);
    }
  }

  const selected = selectedId && definition ? nodeIndex(definition).get(selectedId) : undefined;
  let side: ReactNode;
  if (addSlot && !readOnly) {
    side = <AddPanel definition={draft} slot={addSlot} onAdd={addNode} onClose={() => setAddSlot(null)} />;
  } else if (historyOpen) {
    side = (
      <VersionHistory
        sequenceId={sequence.id}
        viewing={viewing}
        onView={(v) => {
          setViewing(v);
          setSelectedId(null);
        }}
        onClose={() => setHistoryOpen(false)}
      />
    );
  } else if (selected) {
    side = (
      <PropertiesPanel
        node={selected}
        definition={definition!}
        problems={problems.filter((p) => p.nodeId === selected.id)}
        onChange={(node: SequenceNode) => apply(replaceNode(draft, node))}
        onDelete={() => requestDelete(selected.id)}
        onClose={() => setSelectedId(null)}
      />
    );
  } else if (definition) {
    side = (
      <SequenceOptionsPanel
        options={definition.options}
        onChange={(options) => apply({ ...draft, options })}
      />
    );
  }

  return (
    <DesignerContext.Provider value={context}>
      <LeaveGuard dirty={dirty && !readOnly} save={save} />
      {/* biome-ignore lint/a11y/noStaticElementInteractions: keyboard shortcuts of the whole designer */}
      <div className="designer" onKeyDown={onKeyDown} data-testid="designer">
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
          <button type="button" onClick={placeTop}>
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
              setHistoryOpen(!historyOpen);
              setAddSlot(null);
            }}
          >
            {t('history.open')}
          </button>
          {sequence.status === 'active' && canEdit && viewing === null && (
            <button type="button" className="primary" onClick={edit} data-testid="edit-sequence">
              {t('edit')}
            </button>
          )}
          {!readOnly && (
            <>
              <button
                type="button"
                onClick={() => void save()}
                disabled={saving || !dirty}
                data-testid="save"
              >
                {saving ? t('saving') : t('save')}
              </button>
              {sequence.canActivate !== false && (
                <button type="button" className="primary" onClick={openActivate} data-testid="activate">
                  {t('activate.button')}
                </button>
              )}
            </>
          )}
        </div>
        {viewing !== null && (
          <div className="designer-banner" role="status">
            {t('banner.version', { version: viewing })}{' '}
            <button type="button" onClick={() => setViewing(null)}>
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
            <button type="button" onClick={() => setNotice(null)} aria-label={t('close')}>
              ×
            </button>
          </div>
        )}
        <div className="designer-body">
          <div className="designer-canvas" data-testid="designer-canvas" ref={canvas}>
            <ReactFlow<DesignerNode, DesignerEdge>
              nodes={flowGraph.nodes}
              edges={flowGraph.edges}
              nodeTypes={nodeTypes}
              edgeTypes={edgeTypes}
              onInit={(instance) => {
                flow.current = instance;
                placeTop();
              }}
              onNodeClick={(_event, node) => {
                if (node.type === 'step') select(node.id);
              }}
              onPaneClick={() => {
                setSelectedId(null);
                setAddSlot(null);
              }}
              nodesDraggable={false}
              nodesConnectable={false}
              elementsSelectable={false}
              deleteKeyCode={null}
              minZoom={0.2}
              maxZoom={1.5}
              proOptions={{ hideAttribution: true }}
              ariaLabelConfig={{
                'node.a11yDescription.default': t('a11y.node'),
                'node.a11yDescription.keyboardDisabled': t('a11y.node'),
                'edge.a11yDescription.default': t('a11y.edge'),
                'controls.ariaLabel': t('a11y.controls'),
                'controls.zoomIn.ariaLabel': t('a11y.zoomIn'),
                'controls.zoomOut.ariaLabel': t('a11y.zoomOut'),
                'controls.fitView.ariaLabel': t('a11y.fitView'),
                'controls.interactive.ariaLabel': t('a11y.interactive'),
              }}
            >
              <Background gap={16} />
              <Controls showInteractive={false} />
            </ReactFlow>
          </div>
          <aside className="designer-side" aria-label={t('sidePanel')}>
            {side}
            {viewing === null && (
              <ProblemsList problems={problems} definition={draft} onSelect={(id) => focusNode(id)} />
            )}
          </aside>
        </div>
        {activating && (
          <ActivateDialog
            revision={sequence.status === 'revision'}
            busy={activating.busy}
            error={activating.error}
            onActivate={runActivate}
            onCancel={() => setActivating(null)}
          />
        )}
        {confirmDelete && (
          <ConfirmDialog
            title={t('delete.title')}
            message={t('delete.withBranch', { count: confirmDelete.removed })}
            confirmLabel={t('delete.confirm')}
            danger
            onCancel={() => setConfirmDelete(null)}
            onConfirm={() => {
              const result = deleteNode(draft, confirmDelete.id);
              if (result.ok) apply(result.definition);
              setConfirmDelete(null);
              setSelectedId(null);
            }}
          />
        )}
      </div>
    </DesignerContext.Provider>
  );
}
