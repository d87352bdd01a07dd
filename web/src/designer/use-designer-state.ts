import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SequenceDefinition } from '../../../src/domain/sequence/definition.ts';
import { nodeIndex } from '../../../src/domain/sequence/graph.ts';
import { validateDefinition } from '../../../src/domain/sequence/validate.ts';
import { ApiError } from '../api/client.ts';
import { hasRole, useSession } from '../app/session.tsx';
import { mergeFields } from '../components/rule-fields.ts';
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
import { nodeTitle } from './designer-context.tsx';
import { focusCanvasNode } from './designer-keys.ts';
import { deleteNode, type Slot, slotsInto } from './graph-edit.ts';
import { buildFlow, START_ID } from './layout.ts';
import { useHistory } from './use-history.ts';

type T = ReturnType<typeof useTranslation<'designer'>>['t'];

export function apiErrorText(t: T, error: ApiError): string {
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

/** The canvas node a deleted step hung from, where keyboard focus continues ("Sequence starts here" if first). */
function predecessorOf(definition: SequenceDefinition, id: string): string {
  const from = slotsInto(definition, id)[0]?.from;
  return from && from !== 'start' ? from : START_ID;
}

export type Notice = { kind: 'info' | 'error'; text: string };

/**
 * The designer's state: the sequence, the draft with undo history, the version being viewed, selection, the
 * add slot, the problems (server's and live validation) and the toolbar's actions (save, activate, edit).
 */
export function useDesignerState(initial: SequenceView) {
  const { t } = useTranslation('designer');
  const queryClient = useQueryClient();
  const { me } = useSession();
  const [sequence, setSequence] = useState(initial);
  // The stored draft this editor builds on; a save by someone else in between is refused, not overwritten.
  const draftTag = useRef(initial.draftTag);
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
  const [notice, setNotice] = useState<Notice | null>(null);
  const [saving, setSaving] = useState(false);
  const [activating, setActivating] = useState<{ busy: boolean; error: string | null } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<{ id: string; removed: number } | null>(null);

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
      focusCanvasNode(predecessorOf(draft, id));
    },
    [apply, draft, readOnly, t],
  );

  function confirmDeletion() {
    if (!confirmDelete) return;
    const result = deleteNode(draft, confirmDelete.id);
    if (result.ok) {
      apply(result.definition);
      focusCanvasNode(predecessorOf(draft, confirmDelete.id));
    }
    setConfirmDelete(null);
    setSelectedId(null);
  }

  const failure = (error: unknown) =>
    error instanceof ApiError ? apiErrorText(t, error) : t('apiErrors.unknown_error');

  async function reload() {
    const fresh = await fetchSequence(sequence.id);
    setSequence(fresh);
    draftTag.current = fresh.draftTag;
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
      const saved = await saveDraft(sequence.id, snapshot, draftTag.current);
      const list = saved.problems;
      draftTag.current = saved.draftTag;
      history.markSaved(snapshot);
      setServerProblems({ of: snapshot, list });
      setNotice({ kind: 'info', text: t('saved') });
      return true;
    } catch (error) {
      setNotice({ kind: 'error', text: failure(error) });
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
      setActivating({ busy: false, error: failure(error) });
    }
  }

  async function edit() {
    try {
      await startRevision(sequence.id);
      await reload();
      setNotice({ kind: 'info', text: t('revisionStarted') });
    } catch (error) {
      setNotice({ kind: 'error', text: failure(error) });
    }
  }

  return {
    sequence,
    canEdit,
    history,
    lookups,
    fields,
    draft,
    definition,
    dirty,
    readOnly,
    problems,
    flowGraph,
    version,
    selectedId,
    setSelectedId,
    addSlot,
    setAddSlot,
    historyOpen,
    setHistoryOpen,
    viewing,
    setViewing,
    notice,
    setNotice,
    saving,
    activating,
    setActivating,
    confirmDelete,
    setConfirmDelete,
    apply,
    select,
    requestDelete,
    confirmDeletion,
    save,
    openActivate,
    runActivate,
    edit,
  };
}

export type DesignerState = ReturnType<typeof useDesignerState>;
