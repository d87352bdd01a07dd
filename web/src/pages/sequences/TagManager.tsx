import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { depthOf, MAX_TAG_DEPTH, planMoveTag } from '../../../../src/domain/tags/tags.ts';
import { api } from '../../api/client.ts';
import type { TagRef } from '../../api/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { flattenTree, tagPathName, tagTree } from './tag-tree.ts';

/** Whether the server's own rule (depth, no cycle, free name) lets the tag go there: offer only those places. */
function allowed(check: () => void): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

/** After an inline edit closes, the keyboard continues on the tag's Rename button (not the top of the page). */
function focusRename(id: string): void {
  requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-rename-tag="${id}"]`)?.focus());
}

/** Tag tree (up to 4 levels): create, nest under another tag, rename, delete (children move up one level). */
export function TagManager({ tags, onClose }: { tags: TagRef[]; onClose(): void }) {
  const { t } = useTranslation('sequences');
  const client = useQueryClient();
  const [newName, setNewName] = useState('');
  const [newParent, setNewParent] = useState('');
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: ['tags'] });
  const change = useMutation({
    mutationFn: (action: () => Promise<unknown>) => action(),
    onSuccess: async () => {
      await refresh();
      await client.invalidateQueries({ queryKey: ['sequences'] });
    },
  });
  const flat = flattenTree(tagTree(tags));
  return (
    <Dialog title={t('tags.managerTitle')} onClose={onClose} wide>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          change.mutate(
            () => api('POST', '/api/tags', { name: newName.trim(), parentId: newParent || null }),
            {
              onSuccess: () => setNewName(''),
            },
          );
        }}
      >
        <label>
          {t('tags.name')}
          <input value={newName} maxLength={100} onChange={(event) => setNewName(event.target.value)} />
        </label>
        <label>
          {t('tags.parent')}
          <select value={newParent} onChange={(event) => setNewParent(event.target.value)}>
            <option value="">{t('tags.noParent')}</option>
            {flat
              .filter((tag) => depthOf(tags, tag.id) < MAX_TAG_DEPTH)
              .map((tag) => (
                <option key={tag.id} value={tag.id}>
                  {tagPathName(tags, tag.id)}
                </option>
              ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={!newName.trim()}>
          {t('tags.add')}
        </button>
      </form>
      <ErrorMessage error={change.error} />
      <ul className="tag-tree" aria-label={t('tags.managerTitle')}>
        {flat.map((tag) => (
          <li key={tag.id} style={{ paddingInlineStart: tag.depth * 20 }}>
            {renaming?.id === tag.id ? (
              <form
                className="inline"
                onSubmit={(event) => {
                  event.preventDefault();
                  change.mutate(() => api('PATCH', `/api/tags/${tag.id}`, { name: renaming.name.trim() }), {
                    onSuccess: () => {
                      setRenaming(null);
                      focusRename(tag.id);
                    },
                  });
                }}
              >
                <input
                  aria-label={t('tags.name')}
                  value={renaming.name}
                  // The user just asked to rename this tag; the field replaces the button.
                  autoFocus
                  onChange={(event) => setRenaming({ id: tag.id, name: event.target.value })}
                  onKeyDown={(event) => {
                    // Escape cancels the rename only, not the whole dialog.
                    if (event.key !== 'Escape') return;
                    event.preventDefault();
                    event.stopPropagation();
                    setRenaming(null);
                    focusRename(tag.id);
                  }}
                />
                <button type="submit">{t('common:actions.save')}</button>
                <button
                  type="button"
                  onClick={() => {
                    setRenaming(null);
                    focusRename(tag.id);
                  }}
                >
                  {t('common:actions.cancel')}
                </button>
              </form>
            ) : (
              <span className="tag-row">
                <span className="tag">{tag.name}</span>
                <select
                  aria-label={t('tags.moveUnder', { name: tag.name })}
                  value={tag.parentId ?? ''}
                  onChange={(event) =>
                    change.mutate(() =>
                      api('PATCH', `/api/tags/${tag.id}`, { parentId: event.target.value || null }),
                    )
                  }
                >
                  <option value="">{t('tags.noParent')}</option>
                  {flat
                    .filter((other) => allowed(() => planMoveTag(tags, tag.id, other.id)))
                    .map((other) => (
                      <option key={other.id} value={other.id}>
                        {tagPathName(tags, other.id)}
                      </option>
                    ))}
                </select>
                <button
                  type="button"
                  data-rename-tag={tag.id}
                  onClick={() => setRenaming({ id: tag.id, name: tag.name })}
                >
                  {t('tags.rename')}
                </button>
                {deleting === tag.id ? (
                  <span role="alert">
                    {t('tags.deleteConfirm', { name: tag.name })}{' '}
                    <button
                      type="button"
                      className="danger"
                      data-testid="confirm-action"
                      // biome-ignore lint/a11y/noAutofocus: the question replaced the Delete button the user pressed.
                      autoFocus
                      onClick={() => {
                        setDeleting(null);
                        change.mutate(() => api('DELETE', `/api/tags/${tag.id}`));
                      }}
                    >
                      {t('common:actions.delete')}
                    </button>
                    <button
                      type="button"
                      onClick={() => {
                        setDeleting(null);
                        focusRename(tag.id);
                      }}
                    >
                      {t('common:actions.cancel')}
                    </button>
                  </span>
                ) : (
                  <button type="button" className="danger" onClick={() => setDeleting(tag.id)}>
                    {t('common:actions.delete')}
                  </button>
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
