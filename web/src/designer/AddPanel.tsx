import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { NodeKind, SequenceDefinition } from '../../../src/domain/sequence/definition.ts';
import { focusAddButton } from './designer-keys.ts';
import { insertRefusal, type Slot, slotKey } from './graph-edit.ts';
import { ADD_GROUPS, KIND_ICONS } from './kinds.ts';

/** The four groups of things that can follow a node (SPEC §2); kinds that cannot go here say why. */
export function AddPanel({
  definition,
  slot,
  onAdd,
  onClose,
}: {
  definition: SequenceDefinition;
  slot: Slot;
  onAdd(kind: NodeKind): void;
  onClose(): void;
}) {
  const { t } = useTranslation('designer');
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    first.current?.focus();
  }, []);
  const close = () => {
    onClose();
    focusAddButton(slotKey(slot));
  };
  let firstAssigned = false;
  return (
    <section
      className="designer-panel designer-add-panel"
      aria-labelledby="designer-add-title"
      data-testid="add-panel"
      onKeyDown={(event) => {
        if (event.key === 'Escape') close();
      }}
    >
      <header className="designer-panel-head">
        <h2 id="designer-add-title">{t('add.title')}</h2>
        <button type="button" onClick={close} aria-label={t('close')}>
          ×
        </button>
      </header>
      {ADD_GROUPS.map(({ group, kinds }) => (
        <section key={group} className="designer-add-group" aria-labelledby={`add-group-${group}`}>
          <h3 id={`add-group-${group}`}>{t(`groups.${group}`)}</h3>
          <ul>
            {kinds.map((kind) => {
              const refusal = insertRefusal(definition, slot, kind);
              const isFirst = !refusal && !firstAssigned;
              if (isFirst) firstAssigned = true;
              return (
                <li key={kind}>
                  <button
                    type="button"
                    ref={isFirst ? first : undefined}
                    disabled={refusal !== null}
                    data-testid={`add-kind-${kind}`}
                    aria-describedby={refusal ? `refusal-${kind}` : undefined}
                    onClick={() => onAdd(kind)}
                  >
                    <span className="designer-node-icon" aria-hidden="true">
                      {KIND_ICONS[kind]}
                    </span>
                    {t(`kinds.${kind}`)}
                  </button>
                  {refusal && (
                    <small id={`refusal-${kind}`} className="designer-muted">
                      {t(`add.refusals.${refusal}`)}
                    </small>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </section>
  );
}
