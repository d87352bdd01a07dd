import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Stage, stageKey } from '../../../../src/domain/stages.ts';
import { api } from '../../api/client.ts';
import { useStages } from '../../app/stages.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useToast } from '../../components/Toast.tsx';

/**
 * The organisation's business-process stages: display names people read and stable keys records store and stage
 * conditions compare. A new stage's key is made from its name; an existing key never changes.
 */
export function StageSettings() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const toast = useToast();
  const stages = useStages();
  const [draft, setDraft] = useState<Stage[] | null>(null);
  const [name, setName] = useState('');
  useEffect(() => {
    if (stages.data && !draft) setDraft(stages.data);
  }, [stages.data, draft]);
  const save = useMutation({
    mutationFn: (list: Stage[]) => api('PATCH', '/api/admin/settings', { stages: list }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['stages'] });
      toast.show(t('saved'));
    },
  });
  if (!draft) return <ErrorMessage error={stages.error} />;
  const newKey = stageKey(name);
  return (
    <form
      className="card form-grid"
      aria-labelledby="stages-title"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate(draft);
      }}
    >
      <h2 id="stages-title">{t('section.stages')}</h2>
      <p className="muted">{t('stages.help')}</p>
      <table className="grid" aria-label={t('section.stages')}>
        <thead>
          <tr>
            <th>{t('stages.name')}</th>
            <th>{t('stages.key')}</th>
            <th>
              <span className="visually-hidden">{t('stages.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {draft.map((stage, index) => (
            <tr key={stage.key} data-testid="stage-row">
              <td>
                <input
                  aria-label={t('stages.nameOf', { key: stage.key })}
                  value={stage.name}
                  maxLength={100}
                  onChange={(event) =>
                    setDraft(
                      draft.map((item, i) => (i === index ? { ...item, name: event.target.value } : item)),
                    )
                  }
                />
              </td>
              <td>
                <code>{stage.key}</code>
              </td>
              <td>
                <button type="button" onClick={() => setDraft(draft.filter((_, i) => i !== index))}>
                  {t('common:actions.delete')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="designer-inline">
        <label>
          {t('stages.newName')}
          <input value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />
        </label>
        <button
          type="button"
          disabled={!newKey || draft.some((stage) => stage.key === newKey)}
          onClick={() => {
            setDraft([...draft, { key: newKey, name: name.trim() }]);
            setName('');
          }}
        >
          {t('stages.add')}
        </button>
      </div>
      <ErrorMessage error={save.error} />
      <button type="submit" className="primary" disabled={save.isPending}>
        {t('common:actions.save')}
      </button>
    </form>
  );
}
