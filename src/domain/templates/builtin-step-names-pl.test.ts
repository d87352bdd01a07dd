import { describe, expect, it } from 'vitest';
import { BUILTIN_SEQUENCES, instantiateBuiltin } from './builtin-sequences.ts';

describe('built-in templates in Polish', () => {
  it('every named step of every built-in template gets a Polish name; English keeps the English one', () => {
    for (const template of BUILTIN_SEQUENCES) {
      const en = instantiateBuiltin(template, 'en');
      const pl = instantiateBuiltin(template, 'pl');
      en.nodes.forEach((node, index) => {
        const polish = pl.nodes[index]!;
        expect(polish.id).toBe(node.id);
        if (node.name) expect(polish.name, `${template.key}/${node.id} "${node.name}"`).not.toBe(node.name);
      });
      expect(pl.nodes.find((node) => node.name === 'Replied?')).toBeUndefined();
    }
  });
});
