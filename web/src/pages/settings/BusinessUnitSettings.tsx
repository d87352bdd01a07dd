import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { BusinessUnit } from '../../api/types.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useToast } from '../../components/Toast.tsx';
import { unitName, useUnits } from './admin-units.ts';

/** Business units as a tree: add, rename, move, delete. */
export function BusinessUnitSettings() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const units = useUnits();
  const list = units.data?.items ?? [];
  const [name, setName] = useState('');
  const [parentId, setParentId] = useState('');
  const [renaming, setRenaming] = useState<BusinessUnit | null>(null);
  const [deleting, setDeleting] = useState<BusinessUnit | null>(null);
  const toast = useToast();
  const change = useMutation({
    mutationFn: (action: () => Promise<unknown>) => action(),
    onSuccess: () => client.invalidateQueries({ queryKey: ['business-units'] }),
  });
  const depth = (unit: BusinessUnit): number => {
    let level = 0;
    let current = unit;
    while (current.parentId && level < 10) {
      const parent = list.find((other) => other.id === current.parentId);
      if (!parent) break;
      current = parent;
      level++;
    }
    return level;
  };
  return (
    <section className="card" aria-labelledby="units-title">
      <h2 id="units-title">{t('section.business-units')}</h2>
      <ErrorMessage error={units.error ?? change.error} />
      <ul className="tag-tree">
        {list.map((unit) => (
          <li key={unit.id} style={{ paddingInlineStart: depth(unit) * 20 }}>
            <span className="tag-row">
              <strong>{unit.name}</strong>
              <span className="muted small">
                {unit.parentId ? unitName(list, unit.parentId) : t('units.root')}
              </span>
              <button type="button" onClick={() => setRenaming(unit)}>
                {t('units.rename')}
              </button>
              <button
                type="button"
                className="danger"
                // Deleting is permanent: ask first, as for sequences and tags (it used to go at one click).
                onClick={() => setDeleting(unit)}
              >
                {t('common:actions.delete')}
              </button>
            </span>
          </li>
        ))}
      </ul>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          change.mutate(
            () => api('POST', '/api/admin/business-units', { name: name.trim(), parentId: parentId || null }),
            {
              onSuccess: () => setName(''),
            },
          );
        }}
      >
        <label>
          {t('units.name')}
          <input value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          {t('units.parent')}
          <select value={parentId} onChange={(event) => setParentId(event.target.value)}>
            <option value="">{t('units.root')}</option>
            {list.map((unit) => (
              <option key={unit.id} value={unit.id}>
                {unit.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={!name.trim()}>
          {t('units.add')}
        </button>
      </form>
      {deleting && (
        <ConfirmDialog
          title={t('units.deleteTitle', { name: deleting.name })}
          message={t('units.deleteConfirm')}
          confirmLabel={t('common:actions.delete')}
          danger
          onConfirm={() => change.mutate(() => api('DELETE', `/api/admin/business-units/${deleting.id}`))}
          onClose={() => setDeleting(null)}
        />
      )}
      {renaming && (
        <RenameDialog
          unit={renaming}
          onClose={() => setRenaming(null)}
          onRename={(next) =>
            change.mutate(() => api('PATCH', `/api/admin/business-units/${renaming.id}`, { name: next }), {
              onSuccess: () => {
                setRenaming(null);
                toast.show(t('walk:toast.unitRenamed'));
              },
            })
          }
        />
      )}
    </section>
  );
}

/** Rename in the app's own dialog (never the browser's `prompt()`). */
function RenameDialog({
  unit,
  onClose,
  onRename,
}: {
  unit: BusinessUnit;
  onClose(): void;
  onRename(name: string): void;
}) {
  const { t } = useTranslation('settings');
  const [name, setName] = useState(unit.name);
  return (
    <Dialog
      title={t('walk:rename.title', { name: unit.name })}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common:actions.cancel')}
          </button>
          <button type="submit" form="rename-unit" className="primary" disabled={!name.trim()}>
            {t('walk:rename.submit')}
          </button>
        </>
      }
    >
      <form
        id="rename-unit"
        onSubmit={(event) => {
          event.preventDefault();
          if (name.trim()) onRename(name.trim());
        }}
      >
        <label>
          {t('walk:rename.name')}
          <input required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
        </label>
      </form>
    </Dialog>
  );
}
